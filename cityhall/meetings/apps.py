from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "cityhall.meetings"
    verbose_name = "会议"
