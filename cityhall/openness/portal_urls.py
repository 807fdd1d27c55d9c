from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.portal_home, name="home"),
    path("search/", views.portal_search, name="search"),
    path("catalogue/", views.portal_catalogue, name="catalogue"),
    path("interpretations/", views.portal_interpretations, name="interpretations"),
    path("items/<int:pk>/", views.portal_item, name="item"),
    path("images/<int:pk>/", views.portal_image, name="image"),
    path("services/", views.portal_services, name="services"),
    path("apply/", views.portal_apply, name="apply"),
    path("status/", views.portal_status, name="status"),
    path("petition/", views.portal_petition, name="petition"),
    path("petition/status/", views.portal_petition_status, name="petition_status"),
]
