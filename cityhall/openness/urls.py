from django.urls import path

from . import views

app_name = "openness"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("new/", views.publication_new, name="new"),
    path("from-document/<int:document_id>/", views.publication_from_document, name="from_document"),
    path("from-minutes/<int:minutes_id>/", views.publication_from_minutes, name="from_minutes"),
    path("<int:pk>/", views.publication_detail, name="detail"),
    path("<int:pk>/interpret/", views.publication_interpret, name="interpret"),
    path("<int:pk>/publish/", views.publication_publish, name="publish"),
    path("<int:pk>/withdraw/", views.publication_withdraw, name="withdraw"),
    path("disclosure/", views.disclosure_list, name="disclosures"),
    path("disclosure/new/", views.disclosure_new, name="disclosure_new"),
    path("disclosure/<int:pk>/", views.disclosure_detail, name="disclosure"),
    path("disclosure/<int:pk>/letter/", views.disclosure_letter, name="disclosure_letter"),
    path("disclosure/<int:pk>/<str:action>/", views.disclosure_act, name="disclosure_act"),
    path("suggestions/", views.suggestion_list, name="suggestions"),
    path("suggestions/new/", views.suggestion_new, name="suggestion_new"),
    path("suggestions/<int:pk>/", views.suggestion_detail, name="suggestion"),
    path("suggestions/<int:pk>/<str:action>/", views.suggestion_act, name="suggestion_act"),
    path("registers/", views.register_list, name="registers"),
    path("registers/new/", views.register_new, name="register_new"),
    path("registers/<int:pk>/", views.register_detail, name="register"),
    path("registers/<int:pk>/<str:action>/", views.register_act, name="register_act"),
    path("services/", views.service_list, name="services"),
    path("petitions/", views.petition_list, name="petitions"),
    path("petitions/new/", views.petition_new, name="petition_new"),
    path("petitions/<int:pk>/", views.petition_detail, name="petition"),
    path("petitions/<int:pk>/<str:action>/", views.petition_act, name="petition_act"),
]
