"""The customer-choice catalogue (kundvalskatalog): public, no login, no personal data.

Every page works without JavaScript; filters live in the query string."""

import csv
import secrets

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.safestring import mark_safe
from django.views import View
from django.views.generic import TemplateView
from weasyprint import HTML

from followup.selectors import published_quality, published_quality_rows
from lov_portal.core.selectors import municipality_list
from providers.selectors import contracted_provider_counts

from .fields import comparison_rows, entry_fields, print_cells
from .filters import Order
from .forms import CompareForm, PrintForm
from .selectors import (
    CATALOGUE_CACHE_SECONDS,
    catalogue_all,
    catalogue_cache_key,
    catalogue_entries,
    catalogue_entry_get,
    catalogue_in_house,
    catalogue_municipality_get,
    catalogue_search,
    catalogue_service_types,
)
from .serializers import API_VERSION, CSV_COLUMNS, entry_as_csv_row, entry_as_json

PAGE_SIZE = 20

public = method_decorator(login_not_required, name="dispatch")


@public
class CatalogHomeView(TemplateView):
    """Choose a municipality."""

    template_name = "catalog/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = contracted_provider_counts()
        context["municipalities"] = [(m, counts.get(m.pk, 0)) for m in municipality_list()]
        return context


class MunicipalityMixin:
    def dispatch(self, request, *args, **kwargs):
        self.municipality = catalogue_municipality_get(code=kwargs["code"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["municipality"] = self.municipality
        return context


@public
class CatalogueListView(MunicipalityMixin, TemplateView):
    """Every provider with an active contract, filtered and in a neutral order."""

    template_name = "catalog/list.html"

    def get(self, request, *args, **kwargs):
        # Random order is shuffled by a seed in the URL, so the list can be shared as it is.
        if request.GET.get("order") == Order.RANDOM and not request.GET.get("seed"):
            query = request.GET.copy()
            query["seed"] = str(secrets.randbelow(10**6))
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        # The list is the same for every visitor: cache its HTML until the catalogue changes.
        key = catalogue_cache_key(
            "list", self.municipality.code, translation.get_language(), params.urlencode()
        )
        body = cache.get(key)
        if body is None:
            body = render_to_string(
                "catalog/_list_body.html", self.list_context(params), request=None
            )
            cache.set(key, body, CATALOGUE_CACHE_SECONDS)
        context["body"] = mark_safe(body)  # noqa: S308 - our own template's output
        return context

    def list_context(self, params) -> dict:
        filterset, ids = catalogue_search(municipality=self.municipality, params=params)
        page = Paginator(ids, PAGE_SIZE).get_page(params.get("page"))
        query = params.copy()
        query.pop("page", None)
        return {
            "municipality": self.municipality,
            "filterset": filterset,
            "filtered": any(v for k, v in params.items() if k not in {"page", "order", "seed"}),
            "total": len(ids),
            "page": page,
            "entries": catalogue_entries(
                municipality=self.municipality, ids=list(page.object_list)
            ),
            "query": query.urlencode(),
        }


@public
class CatalogueProviderView(MunicipalityMixin, TemplateView):
    template_name = "catalog/provider.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = catalogue_entry_get(municipality=self.municipality, pk=kwargs["pk"])
        quality = published_quality_rows(
            municipality_id=self.municipality.pk, provider_ids=[entry.pk]
        )
        context.update(
            entry=entry,
            fields=entry_fields(entry),
            quality=[(indicator, figures[0]) for indicator, figures in quality],
        )
        return context


@public
class CatalogueCompareView(MunicipalityMixin, TemplateView):
    """Two to four providers side by side: the same fields in the same rows."""

    template_name = "catalog/compare.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _filterset, ids = catalogue_search(municipality=self.municipality, params={})
        form = CompareForm(self.request.GET, entries_ids=ids)
        entries = []
        if form.is_valid():
            entries = catalogue_entries(
                municipality=self.municipality, ids=form.cleaned_data["provider"]
            )
        quality = published_quality_rows(
            municipality_id=self.municipality.pk, provider_ids=[e.pk for e in entries]
        )
        context.update(form=form, entries=entries, rows=comparison_rows(entries), quality=quality)
        return context


class PrintMixin(MunicipalityMixin):
    """The catalogue for one citizen's situation: area and services granted."""

    def situation(self):
        form = PrintForm(
            self.request.GET or None,
            municipality=self.municipality,
            service_types=catalogue_service_types(municipality=self.municipality),
        )
        sections = []
        if form.is_valid():
            area = form.cleaned_data["area"]
            in_area = [
                (e, print_cells(e))
                for e in catalogue_all(municipality=self.municipality)
                if area in e.areas
            ]
            for service in form.cleaned_data["services"]:
                sections.append((service, [row for row in in_area if service in row[0].services]))
        return form, sections

    def print_context(self):
        form, sections = self.situation()
        return {
            "municipality": self.municipality,
            "form": form,
            "sections": sections,
            "in_house": catalogue_in_house(municipality=self.municipality),
            "printed_on": timezone.localdate(),
        }


@public
class CataloguePrintView(PrintMixin, TemplateView):
    template_name = "catalog/print.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.print_context())
        context["pdf_query"] = self.request.GET.urlencode()
        return context


@public
class CataloguePrintPdfView(PrintMixin, View):
    def get(self, request, *args, **kwargs):
        context = self.print_context()
        if not context["form"].is_valid():
            return HttpResponseRedirect(f"../utskrift/?{request.GET.urlencode()}")
        html = render_to_string("catalog/print_pdf.html", context, request=request)
        pdf = HTML(string=html).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"kundvalskatalog-{self.municipality.code}.pdf"
        response["Content-Disposition"] = f'inline; filename="{name}"'
        return response


@public
class CatalogueJsonView(MunicipalityMixin, View):
    """Open data: the catalogue as JSON (documented in docs/api/catalogue.md)."""

    def get(self, request, *args, **kwargs):
        entries = catalogue_all(municipality=self.municipality)
        quality = published_quality(
            municipality_id=self.municipality.pk, provider_ids=[e.pk for e in entries]
        )
        with translation.override("sv"):
            data = {
                "api_version": API_VERSION,
                "municipality": {
                    "code": self.municipality.code,
                    "name": self.municipality.name,
                    "no_choice_rule": self.municipality.no_choice_rule,
                },
                "generated_at": timezone.now().isoformat(timespec="seconds"),
                "providers": [entry_as_json(e, quality.get(e.pk, ())) for e in entries],
            }
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Access-Control-Allow-Origin"] = "*"
        return response


@public
class CatalogueCsvView(MunicipalityMixin, View):
    def get(self, request, *args, **kwargs):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = f"kundvalskatalog-{self.municipality.code}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response.write("\ufeff")  # Excel opens UTF-8 with å, ä, ö correctly
        writer = csv.writer(response, delimiter=";")
        writer.writerow(CSV_COLUMNS)
        entries = catalogue_all(municipality=self.municipality)
        quality = published_quality(
            municipality_id=self.municipality.pk, provider_ids=[e.pk for e in entries]
        )
        with translation.override("sv"):
            for entry in entries:
                writer.writerow(entry_as_csv_row(entry, quality.get(entry.pk, ())))
        return response
