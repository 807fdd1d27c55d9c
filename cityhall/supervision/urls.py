from django.urls import path

from . import evaluation_views as ev
from . import inspection_views as iv
from . import plan_views as pv
from . import views

app_name = "supervision"
urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("new/", views.item_new, name="item_new"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("report.pdf", views.report_pdf, name="report"),
    path("evaluation/<int:year>/", ev.evaluation_page, name="evaluation"),
    path("evaluation/<int:year>/notice.<str:fmt>", ev.evaluation_notice, name="evaluation_notice"),
    path("evaluation/<int:year>/<str:action>/", ev.evaluation_act, name="evaluation_act"),
    path("plans/", pv.plan_list, name="plans"),
    path("plans/new/", pv.plan_create, name="plan_new"),
    path("plans/<int:pk>/", pv.plan_detail, name="plan"),
    path("plans/<int:pk>/entries/", pv.entry_create, name="plan_entry_new"),
    path("spot-checks/new/", pv.spot_check_create, name="spot_check_new"),
    path("spot-checks/<int:pk>/", pv.spot_check_detail, name="spot_check"),
    path("spot-checks/<int:pk>/findings/", pv.finding_create, name="finding_new"),
    path("inspections/", iv.inspection_list, name="inspections"),
    path("inspections/new/", iv.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", iv.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/<str:action>/", iv.inspection_act, name="inspection_act"),
    path("<int:pk>/", views.item_detail, name="item"),
    path("<int:pk>/<str:action>/", views.item_act, name="item_act"),
    path("<int:pk>/evidence/<int:evidence_id>/", views.evidence_file, name="evidence"),
    path("<int:pk>/notice.<str:fmt>", views.notice_file, name="notice"),
]
