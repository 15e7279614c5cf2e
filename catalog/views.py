from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from lov_portal.core.selectors import municipality_list
from providers.selectors import provider_list_in_house


@method_decorator(login_not_required, name="dispatch")
class CatalogHomeView(TemplateView):
    """Public: the customer-choice catalogue, open to everyone without login."""

    template_name = "catalog/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        in_house = {p.in_house_municipality_id: p for p in provider_list_in_house()}
        context["municipalities"] = [(m, in_house.get(m.pk)) for m in municipality_list()]
        return context
