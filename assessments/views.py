from lov_portal.core.views import SectionHomeView


class HomeView(SectionHomeView):
    permission_required = "assessments.access_workspace"
    template_name = "assessments/home.html"
