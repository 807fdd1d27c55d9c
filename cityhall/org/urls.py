from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("", views.index, name="index"),
    path("absences/", views.record_absence, name="record_absence"),
    path("absences/<int:absence_id>/end/", views.end_absence, name="end_absence"),
]
