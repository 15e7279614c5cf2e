from django.urls import path

from .views import contracts as contracts_views
from .views import decisions as decisions_views
from .views import review as views

app_name = "providers"

urlpatterns = [
    path("upphandling/", views.ProcurementHomeView.as_view(), name="procurement"),
    path("upphandling/granskning/", views.ReviewQueueView.as_view(), name="review_queue"),
    path(
        "upphandling/utgaende-underlag/",
        views.ExpiringEvidenceView.as_view(),
        name="expiring_evidence",
    ),
    path(
        "upphandling/ansokningar/<int:pk>/",
        views.ApplicationDetailView.as_view(),
        name="review_detail",
    ),
    path("utforarportal/", views.ProviderPortalHomeView.as_view(), name="portal"),
    path(
        "utforarportal/ansokningar/<int:pk>/",
        views.ApplicationDetailView.as_view(),
        name="application_detail",
    ),
    path("beslut/<int:pk>/brev.pdf", views.DecisionLetterView.as_view(), name="decision_letter"),
    # --- review ---
    path(
        "upphandling/ansokningar/<int:pk>/starta-granskning/",
        decisions_views.ReviewStartView.as_view(),
        name="review_start",
    ),
    path(
        "upphandling/ansokningar/<int:pk>/bedomningar/",
        decisions_views.AssessmentRecordView.as_view(),
        name="assessment_record",
    ),
    path(
        "upphandling/ansokningar/<int:pk>/komplettering/",
        decisions_views.CompletionRequestCreateView.as_view(),
        name="completion_request_create",
    ),
    path(
        "upphandling/beslut/<int:pk>/",
        decisions_views.DecisionRecordView.as_view(),
        name="decision_record",
    ),
    path("upphandling/avtal/", contracts_views.ContractListView.as_view(), name="contract_list"),
    path(
        "upphandling/avtal/<int:pk>/",
        contracts_views.ContractDetailView.as_view(),
        name="contract_detail",
    ),
    path(
        "upphandling/avtal/<int:pk>/varning/",
        contracts_views.ContractWarnView.as_view(),
        name="contract_warn",
    ),
    path(
        "upphandling/avtal/<int:pk>/status/",
        contracts_views.ContractStatusChangeView.as_view(),
        name="contract_change_status",
    ),
    path(
        "utforarportal/avtal/",
        contracts_views.ProviderContractListView.as_view(),
        name="portal_contract_list",
    ),
    path(
        "utforarportal/avtal/<int:pk>/",
        contracts_views.ProviderContractDetailView.as_view(),
        name="portal_contract_detail",
    ),
]
