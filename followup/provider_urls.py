"""The provider's side of quality follow-up, under /utforarportal/uppfoljning/."""

from django.urls import path

from .views import cases, visits

app_name = "provider_followup"

urlpatterns = []

# --- Findings and action plans ----------------------------------------------------------------
urlpatterns += [
    path("fynd/", visits.ProviderFindingListView.as_view(), name="finding_list"),
    path("fynd/<int:pk>/", visits.ProviderFindingDetailView.as_view(), name="finding_detail"),
]

# --- Cases about the provider, its deviation and Lex Sarah reports --------------------------
urlpatterns += [
    path("arenden/", cases.ProviderCaseListView.as_view(), name="case_list"),
    path("arenden/ny/", cases.ProviderCaseReportView.as_view(), name="case_report"),
    path("arenden/<int:pk>/", cases.ProviderCaseDetailView.as_view(), name="case_detail"),
]
