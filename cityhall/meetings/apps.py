from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "cityhall.meetings"
    verbose_name = "会议"

    def ready(self) -> None:
        from cityhall.workflow import labels

        from .kinds import ROLE_LABELS
        from .models import Topic, TopicAction

        # The audit trail keeps codes; the audit page names them (cityhall/workflow/labels.py).
        labels.ACTIONS.update({f"topic.{d.value}": f"议题{d.label}" for d in TopicAction.Decision})
        labels.FAMILIES["topic"] = "会议议题"
        labels.SUBJECTS["meetings.topic"] = "会议议题"
        labels.STATES.update({s.value: s.label for s in Topic.State})
        labels.FIELDS["step"] = "环节"
        labels.VALUES["step"] = {**ROLE_LABELS, "": "—"}
        labels.ACTIONS["meeting.schedule"] = "安排会议"
        labels.FAMILIES["meeting"] = "会议"
        labels.SUBJECTS["meetings.meeting"] = "会议"
        labels.FIELDS.update({"chair": "主持", "entrusted": "受市长委托", "topics": "议题"})
