"""The provider's performed time, under /utforarportal/tid/."""

from django.urls import path

from .views import visits

app_name = "provider_time"

urlpatterns = [
    path("", visits.TimeHomeView.as_view(), name="home"),
    path("leveranser/<int:pk>/", visits.ImportDetailView.as_view(), name="import_detail"),
    path("besok/", visits.VisitListView.as_view(), name="visit_list"),
    path("besok/<int:pk>/", visits.VisitEditView.as_view(), name="visit_edit"),
    path("api-nycklar/", visits.ApiTokenListView.as_view(), name="api_tokens"),
    path(
        "api-nycklar/<int:pk>/aterkalla/",
        visits.ApiTokenRevokeView.as_view(),
        name="api_token_revoke",
    ),
]
