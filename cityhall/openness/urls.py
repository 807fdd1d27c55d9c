from django.urls import path

from . import views

app_name = "openness"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("new/", views.publication_new, name="new"),
    path("<int:pk>/", views.publication_detail, name="detail"),
    path("<int:pk>/interpret/", views.publication_interpret, name="interpret"),
    path("<int:pk>/publish/", views.publication_publish, name="publish"),
    path("<int:pk>/withdraw/", views.publication_withdraw, name="withdraw"),
]
