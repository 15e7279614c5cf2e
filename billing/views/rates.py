"""Rates and compensation rules, managed by the municipality's finance officers.

Correct money: a rate whose period has started is never edited; it is changed from a date
(`rate_supersede`). Rules are never edited; new rules apply from a date."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from lov_portal.core.constants import RateZone
from lov_portal.core.forms import apply_errors
from lov_portal.core.selectors import service_type_list

from .. import services
from ..forms import BillingRulesForm, RateFilterForm, RateForm, RateSupersedeForm
from ..selectors import (
    billing_rules_get_for_user,
    billing_rules_in_force,
    billing_rules_list_for_user,
    finance_municipality_get,
    finance_municipality_list,
    rate_get_for_user,
    rate_list_for_user,
    rate_table,
)


def _rates_url(municipality) -> str:
    return f"{reverse('billing:rate_list')}?{urlencode({'municipality': municipality.pk})}"


def _rules_url(municipality) -> str:
    return f"{reverse('billing:rules')}?{urlencode({'municipality': municipality.pk})}"


def rules_facts(rules) -> list[tuple[str, str]]:
    """The rules as (label, value) pairs, in the order of the form."""
    facts = []
    for name in services.RULES_FIELDS:
        field = rules._meta.get_field(name)
        value = getattr(rules, name)
        if isinstance(value, bool):
            shown = _("Yes") if value else _("No")
        elif name.endswith("_percent"):
            shown = formats.number_format(value.normalize())  # the label says (%)
        else:
            shown = str(value)
        facts.append((capfirst(field.verbose_name), shown))
    return facts


class ManageRatesMixin(PermissionRequiredMixin):
    permission_required = "billing.manage_rates"


class RateListView(ManageRatesMixin, TemplateView):
    """The municipality's rates grouped by service × time band × zone, with the amounts for
    all, in-house and private providers side by side."""

    template_name = "billing/rate_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        municipalities = finance_municipality_list(user=user)
        form = RateFilterForm(self.request.GET or None, municipalities=municipalities)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        municipality = finance_municipality_get(
            user=user,
            pk=data["municipality"].pk if data.get("municipality") else None,
        )
        rates = rate_list_for_user(
            user=user,
            municipality=municipality,
            service_type=data.get("service_type"),
            valid_on=data.get("valid_on"),
        )
        context.update(
            form=form,
            municipality=municipality,
            several_municipalities=municipalities.count() > 1,
            rows=rate_table(rates),
            today=timezone.localdate(),
        )
        return context


class RateCreateView(ManageRatesMixin, FormView):
    template_name = "billing/rate_form.html"
    form_class = RateForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["municipalities"] = finance_municipality_list(user=self.request.user)
        return kwargs

    def get_initial(self):
        municipality = finance_municipality_get(
            user=self.request.user, pk=self.request.GET.get("municipality") or None
        )
        return {"municipality": municipality, "provider_kind": "all", "unit": "per_hour"}

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            rate = services.rate_create(
                municipality=data.pop("municipality"), actor=self.request.user, **data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The rate is saved."))
        return redirect(_rates_url(rate.municipality))


class RateMixin(ManageRatesMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.rate = rate_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_permission_object(self):
        return self.rate

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rate"] = self.rate
        context["zone_label"] = (
            RateZone(self.rate.rate_zone).label if self.rate.rate_zone else _("All zones")
        )
        context["back_url"] = _rates_url(self.rate.municipality)
        return context


class RateUpdateView(RateMixin, FormView):
    """Edit a rate that has not started yet; a started one goes to "change from a date"."""

    template_name = "billing/rate_form.html"
    form_class = RateForm

    def get(self, request, *args, **kwargs):
        if not services.rate_is_editable(self.rate):
            return redirect("billing:rate_supersede", pk=self.rate.pk)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not services.rate_is_editable(self.rate):
            return redirect("billing:rate_supersede", pk=self.rate.pk)
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["municipalities"] = finance_municipality_list(user=self.request.user).filter(
            pk=self.rate.municipality_id
        )
        kwargs["fixed_municipality"] = True
        return kwargs

    def get_initial(self):
        rate = self.rate
        initial = {name: getattr(rate, name) for name in services.RATE_FIELDS}
        initial["municipality"] = rate.municipality
        return initial

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        data.pop("municipality", None)
        try:
            services.rate_update(rate=self.rate, actor=self.request.user, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The rate is changed."))
        return redirect(_rates_url(self.rate.municipality))


class RateSupersedeView(RateMixin, FormView):
    """Change a running rate from a date: the old one ends the day before."""

    template_name = "billing/rate_supersede.html"
    form_class = RateSupersedeForm

    def get_initial(self):
        return {"new_amount": self.rate.amount}

    def form_valid(self, form):
        try:
            services.rate_supersede(rate=self.rate, actor=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The new amount is saved from the date given."))
        return redirect(_rates_url(self.rate.municipality))


class RulesView(ManageRatesMixin, TemplateView):
    """The rules in force today, the coming ones and the history."""

    template_name = "billing/rules.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        municipalities = finance_municipality_list(user=user)
        municipality = finance_municipality_get(
            user=user, pk=self.request.GET.get("municipality") or None
        )
        history = list(billing_rules_list_for_user(user=user, municipality=municipality))
        today = timezone.localdate()
        in_force = billing_rules_in_force(rules_list=history, day=today)
        context.update(
            municipality=municipality,
            municipalities=municipalities,
            history=history,
            in_force=in_force,
            in_force_facts=rules_facts(in_force) if in_force else [],
            today=today,
        )
        return context


class RulesDetailView(ManageRatesMixin, TemplateView):
    template_name = "billing/rules_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.rules = billing_rules_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_permission_object(self):
        return self.rules

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rules"] = self.rules
        context["facts"] = rules_facts(self.rules)
        context["back_url"] = _rules_url(self.rules.municipality)
        return context


class RulesCreateView(ManageRatesMixin, FormView):
    """New rules from a date. The form starts from the rules in force, service rules
    included, so only what changes needs typing."""

    template_name = "billing/rules_form.html"
    form_class = BillingRulesForm

    def _municipality(self):
        pk = self.request.POST.get("municipality") or self.request.GET.get("municipality")
        return finance_municipality_get(user=self.request.user, pk=pk or None)

    @cached_property
    def _current(self):
        """The municipality and its rules in force today: read once per request (the form
        and the page both need them)."""
        municipality = self._municipality()
        history = billing_rules_list_for_user(user=self.request.user, municipality=municipality)
        return municipality, billing_rules_in_force(
            rules_list=list(history), day=timezone.localdate()
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        municipality, current = self._current
        kwargs["municipalities"] = finance_municipality_list(user=self.request.user)
        kwargs["service_types"] = service_type_list().order_by("ordering", "name")
        if current is not None:
            kwargs["initial"] = {
                **{name: getattr(current, name) for name in services.RULES_FIELDS},
                **kwargs.get("initial", {}),
            }
            kwargs["service_initial"] = {
                rule.service_type_id: (rule.declined_percent, rule.standard_minutes)
                for rule in current.service_rules.all()
            }
        kwargs["initial"] = {**kwargs.get("initial", {}), "municipality": municipality}
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        municipality, current = self._current
        context.update(municipality=municipality, current=current)
        return context

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in services.RULES_FIELDS}
        service_rules = form.service_rules()
        if form.errors:
            return self.form_invalid(form)
        try:
            rules = services.billing_rules_create(
                municipality=form.cleaned_data["municipality"],
                valid_from=form.cleaned_data["valid_from"],
                service_rules=service_rules,
                actor=self.request.user,
                **data,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The new rules are saved."))
        return redirect(_rules_url(rules.municipality))
