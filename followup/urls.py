"""The quality officer's pages, under /uppfoljning/. One block per area."""

from django.urls import path

from .views import cases, home, own_surveys, reports, stats, surveys, visits

app_name = "followup"

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
]

# --- Survey results and own surveys ---------------------------------------------------------
urlpatterns += [
    path("enkater/", surveys.SurveyResultListView.as_view(), name="survey_results"),
    path("enkater/importera/", surveys.SurveyImportView.as_view(), name="survey_import"),
    path(
        "enkater/importer/<int:pk>/",
        surveys.SurveyImportDetailView.as_view(),
        name="survey_import_detail",
    ),
    path("enkater/nytt/", surveys.SurveyResultFormView.as_view(), name="survey_result_add"),
    path(
        "enkater/<int:pk>/andra/",
        surveys.SurveyResultFormView.as_view(),
        name="survey_result_edit",
    ),
    path("enkater/egna/", own_surveys.OwnSurveyListView.as_view(), name="own_survey_list"),
    path("enkater/egna/ny/", own_surveys.OwnSurveyCreateView.as_view(), name="own_survey_create"),
    path(
        "enkater/egna/<int:pk>/",
        own_surveys.OwnSurveyDetailView.as_view(),
        name="own_survey_detail",
    ),
]

# --- Follow-up visits, findings and action plans --------------------------------------------
urlpatterns += [
    path("besok/", visits.VisitListView.as_view(), name="visit_list"),
    path("besok/planera/", visits.VisitPlanView.as_view(), name="visit_plan"),
    path("besok/<int:pk>/", visits.VisitDetailView.as_view(), name="visit_detail"),
    path("besok/<int:pk>/checklista/", visits.ChecklistSaveView.as_view(), name="checklist_save"),
    path(
        "besok/<int:pk>/checklista/ny/",
        visits.ChecklistItemAddView.as_view(),
        name="checklist_item_add",
    ),
    path("besok/<int:pk>/fynd/", visits.FindingAddView.as_view(), name="finding_add"),
    path("besok/<int:pk>/genomfort/", visits.VisitCarryOutView.as_view(), name="visit_carry_out"),
    path(
        "besok/<int:pk>/stang/",
        visits.VisitStatusView.as_view(action="close"),
        name="visit_close",
    ),
    path(
        "besok/<int:pk>/stall-in/",
        visits.VisitStatusView.as_view(action="cancel"),
        name="visit_cancel",
    ),
    path("fynd/<int:pk>/", visits.FindingDetailView.as_view(), name="finding_detail"),
    path(
        "fynd/<int:pk>/godkann/",
        visits.PlanReviewView.as_view(action="accept"),
        name="plan_accept",
    ),
    path(
        "fynd/<int:pk>/returnera/",
        visits.PlanReviewView.as_view(action="return"),
        name="plan_return",
    ),
]

# --- Complaints, deviations and Lex Sarah (cases) ---------------------------------------------
urlpatterns += [
    path("arenden/", cases.CaseListView.as_view(), name="case_list"),
    path("arenden/nytt/", cases.CaseRegisterView.as_view(), name="case_register"),
    path("arenden/<int:pk>/", cases.CaseDetailView.as_view(), name="case_detail"),
    path("arenden/<int:pk>/handlaggare/", cases.CaseAssignView.as_view(), name="case_assign"),
    path("arenden/<int:pk>/status/", cases.CaseTransitionView.as_view(), name="case_transition"),
]

# --- Quality reports --------------------------------------------------------------------------
urlpatterns += [
    path("kvalitetsredovisningar/", reports.ReportListView.as_view(), name="report_list"),
    path(
        "kvalitetsredovisningar/<int:pk>/", reports.ReportDetailView.as_view(), name="report_detail"
    ),
    path(
        "kvalitetsredovisningar/<int:pk>/status/",
        reports.ReportProgressView.as_view(),
        name="report_progress",
    ),
    path(
        "kvalitetsredovisningar/<int:pk>/pdf/",
        reports.ReportDownloadView.as_view(),
        name="report_download",
    ),
]

# --- Board statistics -------------------------------------------------------------------------
urlpatterns += [
    path("statistik/", stats.StatisticsIndexView.as_view(), name="statistics"),
    path(
        "statistik/<str:code>/<int:year>/",
        stats.StatisticsView.as_view(),
        name="statistics_year",
    ),
    path(
        "statistik/<str:code>/<int:year>/csv/",
        stats.StatisticsCsvView.as_view(),
        name="statistics_csv",
    ),
]
