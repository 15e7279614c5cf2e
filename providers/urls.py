from django.urls import path

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
]
