from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/<int:item_id>/done/", views.inbox_done, name="inbox_done"),
]
