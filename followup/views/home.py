from lov_portal.core.views import SectionHomeView


class HomeView(SectionHomeView):
    permission_required = "followup.access_quality"
    template_name = "followup/home.html"
