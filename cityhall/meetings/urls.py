from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.meeting_new, name="meeting_new"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("topics/new/", views.topic_new, name="topic_new"),
    path("topics/<int:pk>/", views.topic_detail, name="topic_detail"),
    path("topics/<int:pk>/decide/", views.topic_decide_view, name="topic_decide"),
    path("topics/<int:pk>/edit/", views.topic_edit, name="topic_edit"),
]
