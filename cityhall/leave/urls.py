from django.urls import path

from . import views

app_name = "leave"
urlpatterns = [
    path("", views.leave_list, name="list"),
    path("new/", views.leave_new, name="new"),
    path("<int:pk>/", views.leave_detail, name="detail"),
    path("<int:pk>/<str:action>/", views.leave_act, name="act"),
    path("reports/", views.report_list, name="reports"),
    path("reports/meeting/", views.report_meeting_new, name="report_meeting"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("meeting-absence/new/<int:attendance_id>/", views.meeting_absence_new, name="meeting_absence_new"),
    path("meeting-absence/<int:pk>/", views.meeting_absence_detail, name="meeting_absence"),
    path("approvals/", views.approval_list, name="approvals"),
    path("approvals/new/", views.approval_new, name="approval_new"),
    path("approvals/undecided/", views.undecided_list, name="undecided"),
    path("approvals/<int:pk>/", views.approval_detail, name="approval"),
    path("problems/", views.problem_list, name="problems"),
    path("problems/new/", views.problem_new, name="problem_new"),
    path("problems/<int:pk>/", views.problem_detail, name="problem"),
    path("emergencies/", views.emergency_list, name="emergencies"),
    path("emergencies/new/", views.emergency_new, name="emergency_new"),
    path("emergencies/<int:pk>/", views.emergency_detail, name="emergency"),
    path("emergencies/<int:pk>/steps/<int:step_id>/acknowledge/", views.emergency_acknowledge, name="emergency_ack"),
]
