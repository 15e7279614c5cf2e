from django.urls import path

from . import views
from .views import documents, rates, reconciliation, runs

app_name = "billing"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("korningar/", runs.RunListView.as_view(), name="run_list"),
    path("korningar/<int:pk>/", runs.RunDetailView.as_view(), name="run_detail"),
    path("korningar/<int:pk>/status/", runs.RunProgressView.as_view(), name="run_progress"),
    path(
        "korningar/<int:pk>/attestera/",
        runs.RunActionView.as_view(action="approve"),
        name="run_approve",
    ),
    path(
        "korningar/<int:pk>/rakna-om/",
        runs.RunActionView.as_view(action="recompute"),
        name="run_recompute",
    ),
    path(
        "korningar/<int:pk>/rattelse/",
        runs.RunActionView.as_view(action="correct"),
        name="run_correct",
    ),
    path(
        "korningar/<int:pk>/starta-om/",
        runs.RunActionView.as_view(action="restart"),
        name="run_restart",
    ),
    path("underlag/", runs.BasisListView.as_view(), name="basis_list"),
    path("underlag/<int:pk>/", runs.BasisDetailView.as_view(), name="basis_detail"),
    path("rader/<int:pk>/invand/", runs.LineDisputeView.as_view(), name="line_dispute"),
    path("invandningar/<int:pk>/svar/", runs.DisputeAnswerView.as_view(), name="dispute_answer"),
    # Rates and rules
    path("ersattningsnivaer/", rates.RateListView.as_view(), name="rate_list"),
    path("ersattningsnivaer/ny/", rates.RateCreateView.as_view(), name="rate_create"),
    path("ersattningsnivaer/<int:pk>/andra/", rates.RateUpdateView.as_view(), name="rate_update"),
    path(
        "ersattningsnivaer/<int:pk>/andra-fran-datum/",
        rates.RateSupersedeView.as_view(),
        name="rate_supersede",
    ),
    path("regler/", rates.RulesView.as_view(), name="rules"),
    path("regler/nya/", rates.RulesCreateView.as_view(), name="rules_create"),
    path("regler/<int:pk>/", rates.RulesDetailView.as_view(), name="rules_detail"),
    # Reconciliation
    path("avstamning/", reconciliation.ReconciliationView.as_view(), name="reconciliation"),
    path(
        "avstamning/csv/", reconciliation.ReconciliationCsvView.as_view(), name="reconciliation_csv"
    ),
    # Documents of an invoice run
    path("bases/<int:pk>/pdf/", documents.BasisPdfView.as_view(), name="basis_pdf"),
    path("bases/<int:pk>/ubl/", documents.BasisUblView.as_view(), name="basis_ubl"),
    path("bases/<int:pk>/csv/", documents.BasisCsvView.as_view(), name="basis_csv"),
    path("runs/<int:pk>/sie/", documents.RunSieView.as_view(), name="run_sie"),
]
