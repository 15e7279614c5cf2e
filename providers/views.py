from lov_portal.core.views import SectionHomeView

from .selectors import provider_list_for_user


class ProcurementHomeView(SectionHomeView):
    """Municipality side: requests for applications, review, board decisions, contracts."""

    permission_required = "providers.access_procurement"
    template_name = "providers/procurement_home.html"


class ProviderPortalHomeView(SectionHomeView):
    """Provider side: the provider's own applications, contracts and orders."""

    permission_required = "providers.access_provider_portal"
    template_name = "providers/portal_home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["providers"] = provider_list_for_user(user=self.request.user)
        return context
