"""Own surveys: a quality officer writes a short survey for one provider's customers, hands
out one-time links (shown once, or as a CSV file), and closes it; the answers roll up into the
indicators. Customers answer without logging in, anonymously, once per link."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from lov_portal.core.forms import apply_errors
from lov_portal.core.selectors import service_type_list
from providers.selectors import provider_list_for_municipality

from .. import services
from ..forms import OwnSurveyAnswerForm, OwnSurveyForm, OwnSurveyLinksForm
from ..selectors import (
    indicator_list,
    own_survey_get,
    own_survey_list,
    own_survey_summary,
    survey_municipality_get,
    survey_municipality_list,
)
from .surveys import SurveyPermissionMixin


def _municipality(request):
    municipalities = survey_municipality_list(user=request.user)
    code = request.GET.get("kommun") or municipalities[0].code
    return survey_municipality_get(user=request.user, code=code)


class OwnSurveyListView(SurveyPermissionMixin, TemplateView):
    template_name = "followup/surveys/own_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        municipality = _municipality(self.request)
        context.update(
            municipality=municipality,
            municipalities=survey_municipality_list(user=self.request.user),
            surveys=own_survey_list(user=self.request.user, municipality=municipality),
        )
        return context


class OwnSurveyCreateView(SurveyPermissionMixin, TemplateView):
    template_name = "followup/surveys/own_form.html"

    def form(self, municipality, data=None):
        return OwnSurveyForm(
            data,
            providers=provider_list_for_municipality(municipality_id=municipality.pk).order_by(
                "name"
            ),
            service_types=service_type_list(),
            indicators=indicator_list(),
        )

    def get(self, request, *args, **kwargs):
        municipality = _municipality(request)
        return self.render_to_response(
            self.get_context_data(municipality=municipality, form=self.form(municipality))
        )

    def post(self, request, *args, **kwargs):
        municipality = _municipality(request)
        form = self.form(municipality, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                survey = services.own_survey_create(
                    municipality=municipality,
                    provider=data["provider"],
                    service_type=data["service_type"],
                    year=data["year"],
                    title=data["title"],
                    introduction=data["introduction"],
                    free_text_question=data["free_text_question"],
                    questions=form.questions(),
                    actor=request.user,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The survey is saved as a draft."))
                return redirect("followup:own_survey_detail", pk=survey.pk)
        return self.render_to_response(self.get_context_data(municipality=municipality, form=form))


class OwnSurveyDetailView(SurveyPermissionMixin, TemplateView):
    """The survey, its links and answers; POST: open, make links (page or CSV), close."""

    template_name = "followup/surveys/own_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        survey = kwargs.get("survey") or own_survey_get(user=self.request.user, pk=kwargs["pk"])
        context.update(
            survey=survey,
            summary=own_survey_summary(survey=survey),
            links_form=kwargs.get("links_form") or OwnSurveyLinksForm(initial={"count": 10}),
        )
        return context

    def post(self, request, *args, **kwargs):
        survey = own_survey_get(user=request.user, pk=kwargs["pk"])
        try:
            return self._act(request, survey, request.POST.get("action"))
        except ValidationError as exc:
            # A stale page or a second click: the survey has moved on; say why.
            for message in exc.messages:
                messages.error(request, message)
            return redirect("followup:own_survey_detail", pk=survey.pk)

    def _act(self, request, survey, action):
        if action == "open":
            services.own_survey_open(survey=survey, actor=request.user)
            messages.success(request, _("The survey is open for answers. Make the links."))
        elif action == "close":
            skipped = services.own_survey_close(survey=survey, actor=request.user)
            messages.success(request, _("The survey is closed and its results are stored."))
            if skipped:
                messages.info(
                    request,
                    _("Kept the imported national result for: %(names)s.")
                    % {"names": ", ".join(skipped)},
                )
        elif action in ("links", "links_csv"):
            form = OwnSurveyLinksForm(request.POST)
            if not form.is_valid():
                return self.render_to_response(
                    self.get_context_data(survey=survey, links_form=form)
                )
            tokens = services.own_survey_links_create(
                survey=survey, count=form.cleaned_data["count"], actor=request.user
            )
            urls = [
                request.build_absolute_uri(reverse("followup_public:own_survey_answer", args=[t]))
                for t in tokens
            ]
            if action == "links_csv":
                response = HttpResponse(content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = (
                    f'attachment; filename="enkatlankar-{survey.pk}.csv"'
                )
                response.write("\ufeff")
                writer = csv.writer(response, delimiter=";")
                writer.writerow(["lank"])
                writer.writerows([url] for url in urls)
                return response
            return self.render_to_response(self.get_context_data(survey=survey, new_links=urls))
        return redirect("followup:own_survey_detail", pk=survey.pk)


@method_decorator(login_not_required, name="dispatch")
class OwnSurveyAnswerView(TemplateView):
    """The customer's page: no login, one answer per link, nothing about the person kept."""

    template_name = "followup/surveys/own_answer.html"

    def get(self, request, *args, **kwargs):
        link = services.own_survey_link_get(token=kwargs["token"])
        if link is None:
            return self.render_to_response({"unavailable": True}, status=404)
        form = OwnSurveyAnswerForm(survey=link.survey)
        return self.render_to_response({"survey": link.survey, "form": form})

    def post(self, request, *args, **kwargs):
        link = services.own_survey_link_get(token=kwargs["token"])
        if link is None:
            return self.render_to_response({"unavailable": True}, status=404)
        form = OwnSurveyAnswerForm(request.POST, survey=link.survey)
        if not form.is_valid():
            return self.render_to_response({"survey": link.survey, "form": form})
        saved = services.own_survey_answer(
            token=kwargs["token"],
            scores=form.scores(),
            free_text=form.cleaned_data.get("free_text", ""),
        )
        if not saved:
            return self.render_to_response({"unavailable": True}, status=404)
        return self.render_to_response({"thanks": True, "survey": link.survey})
