from lov_portal.core.views import SectionHomeView


class HomeView(SectionHomeView):
    permission_required = "billing.access_finance"
    template_name = "billing/home.html"
