from django.urls import path

from .views import accounts as accounts_views
from .views import applications as applications_views
from .views import requests as requests_views
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
    # --- requests ---
    path(
        "upphandling/forfragningsunderlag/",
        requests_views.RequestListView.as_view(),
        name="request_list",
    ),
    path(
        "upphandling/forfragningsunderlag/nytt/",
        requests_views.RequestCreateView.as_view(),
        name="request_create",
    ),
    path(
        "upphandling/forfragningsunderlag/<int:pk>/",
        requests_views.RequestDetailView.as_view(),
        name="request_detail",
    ),
    path(
        "upphandling/forfragningsunderlag/<int:pk>/ny-version/",
        requests_views.RequestVersionCreateView.as_view(),
        name="request_version_create",
    ),
    path(
        "upphandling/forfragningsunderlag/<int:pk>/stang/",
        requests_views.RequestCloseView.as_view(),
        name="request_close",
    ),
    path(
        "upphandling/forfragningsunderlag/versioner/<int:pk>/andra/",
        requests_views.RequestVersionEditView.as_view(),
        name="request_version_edit",
    ),
    path(
        "upphandling/forfragningsunderlag/versioner/<int:pk>/publicera/",
        requests_views.RequestVersionPublishView.as_view(),
        name="request_version_publish",
    ),
    path(
        "upphandling/forfragningsunderlag/versioner/<int:pk>/nytt-avsnitt/",
        requests_views.RequirementSectionAddView.as_view(),
        name="requirement_section_add",
    ),
    path(
        "upphandling/forfragningsunderlag/avsnitt/<int:pk>/andra/",
        requests_views.RequirementSectionEditView.as_view(),
        name="requirement_section_edit",
    ),
    path(
        "upphandling/forfragningsunderlag/avsnitt/<int:pk>/ta-bort/",
        requests_views.RequirementSectionDeleteView.as_view(),
        name="requirement_section_delete",
    ),
    path(
        "upphandling/forfragningsunderlag/avsnitt/<int:pk>/nytt-krav/",
        requests_views.RequirementAddView.as_view(),
        name="requirement_add",
    ),
    path(
        "upphandling/forfragningsunderlag/krav/<int:pk>/andra/",
        requests_views.RequirementEditView.as_view(),
        name="requirement_edit",
    ),
    path(
        "upphandling/forfragningsunderlag/krav/<int:pk>/ta-bort/",
        requests_views.RequirementDeleteView.as_view(),
        name="requirement_delete",
    ),
    path(
        "forfragningsunderlag/versioner/<int:pk>/underlag.pdf",
        requests_views.RequestDocumentView.as_view(),
        name="request_document",
    ),
    path(
        "forfragningsunderlag/<int:pk>/annons/",
        requests_views.RequestAnnouncementView.as_view(),
        name="request_announcement",
    ),
    path(
        "forfragningsunderlag/<int:pk>/annons.json",
        requests_views.RequestAnnouncementJsonView.as_view(),
        name="request_announcement_json",
    ),
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
