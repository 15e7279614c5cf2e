from django.urls import path

from .views import accounts as accounts_views
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
    # --- accounts ---
    path(
        "registrera-utforare/",
        accounts_views.ProviderRegisterView.as_view(),
        name="provider_register",
    ),
    path(
        "utforarportal/<int:pk>/profil/",
        accounts_views.ProviderProfileView.as_view(),
        name="provider_profile",
    ),
    path(
        "utforarportal/<int:pk>/kollegor/",
        accounts_views.ColleaguesView.as_view(),
        name="colleagues",
    ),
    path(
        "utforarportal/<int:pk>/kollegor/<int:assignment_pk>/ta-bort/",
        accounts_views.ColleagueRemoveView.as_view(),
        name="colleague_remove",
    ),
    path(
        "inbjudan/<uidb64>/<token>/",
        accounts_views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    path(
        "utforare/<int:pk>/logotyp/",
        accounts_views.ProviderLogoView.as_view(),
        name="provider_logo",
    ),
]
