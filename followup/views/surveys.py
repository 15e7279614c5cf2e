"""Survey results (brukarundersökning, NKI, continuity): the quality officer's list per
municipality and year, CSV import with every bad row named, and results entered by hand.
Results from fewer than 5 answers are listed here, marked, and published nowhere."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from rules.contrib.views import PermissionRequiredMixin

from lov_portal.core.forms import apply_errors
from lov_portal.core.selectors import service_type_list
from providers.selectors import provider_list_for_municipality

from .. import services
from ..constants import MIN_PUBLISHED_RESPONDENTS
from ..forms import SurveyImportForm, SurveyMunicipalityForm, SurveyResultForm
from ..selectors import (
    indicator_list,
    survey_import_get,
    survey_import_list,
    survey_municipality_get,
    survey_municipality_list,
    survey_result_get,
    survey_result_list,
    survey_result_years,
)
from ..survey_imports import HEADER


class SurveyPermissionMixin(PermissionRequiredMixin):
    permission_required = "followup.manage_surveys"


class SurveyResultListView(SurveyPermissionMixin, TemplateView):
    template_name = "followup/surveys/result_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        municipalities = list(survey_municipality_list(user=user))
        code = self.request.GET.get("kommun") or municipalities[0].code
        municipality = survey_municipality_get(user=user, code=code)
        years = survey_result_years(user=user, municipality=municipality)
        form = SurveyMunicipalityForm(
            self.request.GET or None,
            municipalities=municipalities,
            years=years,
            initial={"kommun": municipality.code},
        )
        year = None
        if form.is_bound and form.is_valid():
            year = form.cleaned_data.get("ar") or None
        context.update(
            municipality=municipality,
            form=form,
            year=year,
            results=survey_result_list(user=user, municipality=municipality, year=year),
            imports=survey_import_list(user=user, municipality=municipality)[:10],
            min_respondents=MIN_PUBLISHED_RESPONDENTS,
        )
        return context


class SurveyImportView(SurveyPermissionMixin, TemplateView):
    template_name = "followup/surveys/import_form.html"

    def form(self, data=None, files=None):
        municipalities = survey_municipality_list(user=self.request.user)
        return SurveyImportForm(data, files, municipalities=municipalities)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        context["header"] = HEADER
        context["indicators"] = indicator_list()
        context["service_types"] = service_type_list()
        return context

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST, request.FILES)
        if form.is_valid():
            municipality = survey_municipality_get(
                user=request.user, code=form.cleaned_data["municipality"]
            )
            try:
                survey_import = services.survey_results_import(
                    municipality=municipality,
                    year=form.cleaned_data["year"],
                    uploaded_file=form.cleaned_data["file"],
                    actor=request.user,
                )
            except ValidationError as exc:
                form.add_error("file", exc.messages)
            else:
                return redirect("followup:survey_import_detail", pk=survey_import.pk)
        return self.render_to_response(self.get_context_data(form=form))


class SurveyImportDetailView(SurveyPermissionMixin, TemplateView):
    template_name = "followup/surveys/import_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["survey_import"] = survey_import_get(user=self.request.user, pk=kwargs["pk"])
        return context


class SurveyResultFormView(SurveyPermissionMixin, TemplateView):
    """Enter a result (?kommun=<code>) or change one (pk): the same key changes the result."""

    template_name = "followup/surveys/result_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.result = None

    def target(self):
        user = self.request.user
        if "pk" in self.kwargs:
            self.result = survey_result_get(user=user, pk=self.kwargs["pk"])
            return self.result.municipality
        municipalities = survey_municipality_list(user=user)
        code = self.request.GET.get("kommun") or self.request.POST.get("kommun")
        return survey_municipality_get(user=user, code=code or municipalities[0].code)

    def form(self, municipality, data=None):
        initial = {}
        if self.result is not None:
            r = self.result
            initial = {
                "provider": r.provider_id,
                "service_type": r.service_type_id,
                "indicator": r.indicator_id,
                "year": r.year,
                "value": r.value,
                "respondents": r.respondents,
            }
        return SurveyResultForm(
            data,
            initial=initial,
            providers=provider_list_for_municipality(municipality_id=municipality.pk).order_by(
                "name"
            ),
            service_types=service_type_list(),
            indicators=indicator_list(),
        )

    def get(self, request, *args, **kwargs):
        municipality = self.target()
        return self.render_to_response(
            self.get_context_data(municipality=municipality, form=self.form(municipality))
        )

    def post(self, request, *args, **kwargs):
        municipality = self.target()
        form = self.form(municipality, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.survey_result_save(
                    municipality=municipality,
                    provider=data["provider"],
                    service_type=data["service_type"],
                    indicator=data["indicator"],
                    year=data["year"],
                    value=data["value"],
                    respondents=data["respondents"],
                    actor=request.user,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The result is saved."))
                url = reverse("followup:survey_results")
                return redirect(f"{url}?kommun={municipality.code}&ar={data['year']}")
        return self.render_to_response(self.get_context_data(municipality=municipality, form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["result"] = self.result
        return context
