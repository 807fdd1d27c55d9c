from django.urls import path

from . import minutes_views as mv
from . import plans_views as pv
from . import views

app_name = "meetings"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.meeting_new, name="meeting_new"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/attendance/", mv.attendance_save, name="attendance"),
    path("<int:pk>/decisions/", mv.decision_new, name="decision_new"),
    path("<int:pk>/decisions/<int:decision_id>/stances/", mv.stances_save, name="stances"),
    path("<int:pk>/end/", mv.meeting_end_view, name="end"),
    path("<int:pk>/minutes/", mv.minutes_page, name="minutes"),
    path("<int:pk>/minutes/amendments/", mv.amendment_new, name="amendment_new"),
    path(
        "<int:pk>/minutes/amendments/<int:amendment_id>/countersign/",
        mv.amendment_countersign_view,
        name="amendment_countersign",
    ),
    path("<int:pk>/minutes/amendments/<int:amendment_id>/decide/", mv.amendment_decide_view, name="amendment_decide"),
    path("<int:pk>/minutes/minutes.<str:fmt>", mv.minutes_file, name="minutes_file"),
    path("<int:pk>/minutes/<str:action>/", mv.minutes_act, name="minutes_act"),
    path("plan/", pv.plan_index, name="plan_index"),
    path("plan/new/", pv.entry_new, name="plan_entry_new"),
    path("plan/entries/<int:pk>/", pv.entry_detail, name="plan_entry"),
    path("plan/entries/<int:pk>/<str:action>/", pv.entry_act, name="plan_entry_act"),
    path("plan/<str:month>/", pv.month_page, name="plan_month"),
    path("plan/<str:month>/<str:action>/", pv.month_act, name="plan_month_act"),
    path("topics/new/", views.topic_new, name="topic_new"),
    path("topics/<int:pk>/", views.topic_detail, name="topic_detail"),
    path("topics/<int:pk>/decide/", views.topic_decide_view, name="topic_decide"),
    path("topics/<int:pk>/edit/", views.topic_edit, name="topic_edit"),
    path("topics/<int:pk>/materials-review/", views.topic_materials_review, name="topic_materials_review"),
]
