"""The provider's performed time under /utforarportal/tid/: CSV upload, deliveries, visits
and their edits, API tokens. Only the provider's own data (404 for anyone else's)."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from rules.contrib.views import PermissionRequiredMixin

from lov_portal.core.forms import apply_errors
from providers.selectors import provider_list_for_user

from .. import services
from ..constants import VisitFlag
from ..forms import ApiTokenForm, VisitEditForm, VisitUploadForm
from ..rules import month_bounds
from ..selectors import (
    api_token_get_for_provider_user,
    api_token_list_for_provider_user,
    visit_get_for_provider_user,
    visit_import_get_for_provider_user,
    visit_import_list_for_provider_user,
    visit_list_for_provider_user,
)

RECENT_IMPORTS = 20
VISITS_PER_PAGE = 100


def _providers(user):
    return provider_list_for_user(user=user).order_by("name")


class TimeHomeView(PermissionRequiredMixin, TemplateView):
    """Upload a CSV file of visits; the recent deliveries and what became of them."""

    permission_required = "billing.report_visits"
    template_name = "billing/time_home.html"

    def post(self, request, *args, **kwargs):
        form = VisitUploadForm(request.POST, request.FILES, providers=_providers(request.user))
        if form.is_valid():
            try:
                batch = services.visit_import_csv(
                    provider=form.cleaned_data["provider"],
                    uploaded_file=form.cleaned_data["file"],
                    actor=request.user,
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                if batch.accepted:
                    messages.success(
                        request,
                        _(
                            "The file is imported: %(created)s new visits, %(unchanged)s already imported."  # noqa: E501
                        )
                        % {"created": batch.created, "unchanged": batch.unchanged},
                    )
                else:
                    messages.error(
                        request,
                        _(
                            "Nothing was imported: %(count)s rows have errors. Correct the file and send it again."  # noqa: E501
                        )
                        % {"count": len({e["line"] for e in batch.errors})},
                    )
                return redirect("provider_time:import_detail", pk=batch.pk)
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", VisitUploadForm(providers=_providers(self.request.user)))
        context["imports"] = visit_import_list_for_provider_user(user=self.request.user)[
            :RECENT_IMPORTS
        ]
        context["this_month"] = timezone.localdate().strftime("%Y-%m")
        return context


class ImportDetailView(PermissionRequiredMixin, TemplateView):
    """One delivery: its counts, or every bad row with its line and reason."""

    permission_required = "billing.report_visits"
    template_name = "billing/import_detail.html"

    def get_permission_object(self):
        return self.batch

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.batch = visit_import_get_for_provider_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["batch"] = self.batch
        return context


def _with_flag_labels(visits):
    labels = dict(VisitFlag.choices)
    for visit in visits:
        visit.flag_labels = [labels.get(flag, flag) for flag in visit.flags]
    return visits


def _month_param(value: str | None) -> datetime.date:
    try:
        return datetime.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


class VisitListView(PermissionRequiredMixin, TemplateView):
    """The month's visits (?manad=YYYY-MM) with their flags."""

    permission_required = "billing.report_visits"
    template_name = "billing/visit_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        month = _month_param(self.request.GET.get("manad"))
        visits = visit_list_for_provider_user(user=self.request.user, month=month)
        page = Paginator(visits, VISITS_PER_PAGE).get_page(self.request.GET.get("sida"))
        previous = (month - datetime.timedelta(days=1)).replace(day=1)
        following = month_bounds(month)[1] + datetime.timedelta(days=1)
        context.update(
            month=month,
            page=page,
            visits=_with_flag_labels(list(page.object_list)),
            previous_month=previous.strftime("%Y-%m"),
            next_month=following.strftime("%Y-%m"),
        )
        return context


class VisitEditView(PermissionRequiredMixin, TemplateView):
    """Correct an imported visit; a reason is required and every change is kept."""

    permission_required = "billing.report_visits"
    template_name = "billing/visit_edit.html"

    def get_permission_object(self):
        return self.visit

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.visit = visit_get_for_provider_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        form = VisitEditForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            reason = data.pop("reason")
            try:
                services.visit_update(visit=self.visit, actor=request.user, reason=reason, **data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The visit is changed."))
                return redirect("provider_time:visit_edit", pk=self.visit.pk)
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visit = self.visit
        local_start = timezone.localtime(visit.starts_at)
        local_end = timezone.localtime(visit.ends_at)
        context.setdefault(
            "form",
            VisitEditForm(
                initial={
                    "date": visit.date,
                    "start": local_start.time(),
                    "end": local_end.time(),
                    "staff_count": visit.staff_count,
                    "kind": visit.kind,
                }
            ),
        )
        context["visit"] = _with_flag_labels([visit])[0]
        context["changes"] = visit.changes.select_related("changed_by")
        return context


class ApiTokenListView(PermissionRequiredMixin, TemplateView):
    """The provider's API tokens; a new token is shown once, right after it is created."""

    permission_required = "billing.report_visits"
    template_name = "billing/api_tokens.html"

    def post(self, request, *args, **kwargs):
        form = ApiTokenForm(request.POST, providers=_providers(request.user))
        if form.is_valid():
            try:
                token, raw = services.api_token_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return self.render_to_response(
                    self.get_context_data(new_token=token, raw_token=raw)
                )
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ApiTokenForm(providers=_providers(self.request.user)))
        context["tokens"] = api_token_list_for_provider_user(user=self.request.user)
        return context


class ApiTokenRevokeView(PermissionRequiredMixin, View):
    permission_required = "billing.report_visits"
    http_method_names = ["post"]

    def get_permission_object(self):
        return self.token

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.token = api_token_get_for_provider_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        services.api_token_revoke(token=self.token, actor=request.user)
        messages.success(request, _("The token is revoked. Calls with it are refused."))
        return redirect("provider_time:api_tokens")
