from django.urls import path

from .views import applications as applications_views
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
    # --- applications ---
    path(
        "utforarportal/ansok/",
        applications_views.ApplicationListView.as_view(),
        name="application_list",
    ),
    path(
        "utforarportal/ansok/<int:version_pk>/",
        applications_views.ApplicationStartView.as_view(),
        name="application_start",
    ),
    path(
        "utforarportal/ansokningar/<int:pk>/omfattning/",
        applications_views.ApplicationScopeView.as_view(),
        name="application_scope",
    ),
    path(
        "utforarportal/ansokningar/<int:pk>/krav/<int:section_pk>/",
        applications_views.ApplicationSectionView.as_view(),
        name="application_section",
    ),
    path(
        "utforarportal/ansokningar/<int:pk>/skicka-in/",
        applications_views.ApplicationSubmitView.as_view(),
        name="application_submit",
    ),
    path(
        "utforarportal/ansokningar/<int:pk>/aterta/",
        applications_views.ApplicationWithdrawView.as_view(),
        name="application_withdraw",
    ),
    path(
        "dokument/<int:pk>/",
        applications_views.DocumentDownloadView.as_view(),
        name="document_download",
    ),
]
