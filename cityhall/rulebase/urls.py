from django.urls import path

from . import views

app_name = "rulebase"
urlpatterns = [
    path("", views.index, name="index"),
    path("calculate/", views.calculate, name="calculate"),
    path("calendar/", views.calendar_month, name="calendar"),
    path("<str:rule_id>/", views.detail, name="detail"),
]
