from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("new/precheck/", views.precheck, name="precheck"),
    path("outgoing/new/", views.new_outgoing, name="new_outgoing"),
    path("briefs/", views.briefs, name="briefs"),
    path("countersign-authority/", views.delegates, name="delegates"),
    path("access-log/", views.access_log, name="access_log"),
    path("phrases/", views.phrase_add, name="phrase_add"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.new, name="edit"),
    path("<int:pk>/edit-outgoing/", views.new_outgoing, name="edit_outgoing"),
    path("<int:pk>/sheet/", views.sheet, name="sheet"),
    path("<int:pk>/act/<slug:action>/", views.act, name="act"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/docx/", views.download_docx, name="docx"),
    path("<int:pk>/pdf/", views.download_pdf, name="pdf"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
]
