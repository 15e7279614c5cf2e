from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from lov_portal.core.selectors import municipality_list

from .selectors import provider_list_for_catalogue


@method_decorator(login_not_required, name="dispatch")
class CatalogHomeView(TemplateView):
    """Public: the customer-choice catalogue, open to everyone without login."""

    template_name = "catalog/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["municipalities"] = [
            (m, list(provider_list_for_catalogue(municipality=m))) for m in municipality_list()
        ]
        return context
