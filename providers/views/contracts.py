"""Contracts: the municipality's list and page with warnings, suspension, reactivation and
termination (each with a reason), and the provider's own contracts, read only."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from lov_portal.core.selectors import municipality_list

from .. import services
from ..constants import CONTRACT_TRANSITIONS
from ..forms.contracts import STATUS_ACTIONS, ContractFilter, ContractReasonForm
from ..selectors import (
    contract_get_for_municipal_user,
    contract_get_for_provider_user,
    contract_list_for_municipal_user,
    contract_list_for_provider_user,
    provider_list_in_contract,
)

WARN_PREFIX = "warn"


class ContractListView(PermissionRequiredMixin, TemplateView):
    """The contracts of the user's municipalities, filtered by status, provider, municipality."""

    permission_required = "providers.access_procurement"
    template_name = "providers/contracts/contract_list.html"
    page_size = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contracts = contract_list_for_municipal_user(user=self.request.user)
        contract_filter = ContractFilter(
            self.request.GET or None,
            queryset=contracts,
            providers=provider_list_in_contract(contracts=contracts),
            municipalities=municipality_list(active_only=False).filter(
                pk__in=contracts.values("municipality")
            ),
        )
        shown = contract_filter.qs if contract_filter.is_bound else contract_filter.queryset
        page = Paginator(shown, self.page_size).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(filter=contract_filter, page=page, query=query.urlencode())
        return context


class ContractDetailView(PermissionRequiredMixin, DetailView):
    """One contract of the user's municipalities: its terms, its events and, for those who
    manage contracts, the forms to act on it."""

    permission_required = "providers.access_procurement"
    template_name = "providers/contracts/contract_detail.html"
    context_object_name = "contract"

    def get_object(self, queryset=None):
        if not hasattr(self, "_contract"):
            self._contract = contract_get_for_municipal_user(
                user=self.request.user, pk=self.kwargs["pk"]
            )
        return self._contract

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract = self.object
        context["events"] = contract.events.select_related("actor")
        context["municipal_view"] = True
        can_manage = self.request.user.has_perm("providers.manage_contract", contract)
        context["can_manage"] = can_manage
        if can_manage:
            context["warn_form"] = kwargs.get("warn_form") or ContractReasonForm(prefix=WARN_PREFIX)
            failed = kwargs.get("status_form")
            allowed = CONTRACT_TRANSITIONS.get(contract.status, set())
            context["status_forms"] = [
                (
                    to,
                    label,
                    failed
                    if failed is not None and failed.prefix == prefix
                    else ContractReasonForm(prefix=prefix),
                )
                for to, prefix, label in STATUS_ACTIONS
                if to in allowed
            ]
        return context


class ContractActionView(ContractDetailView):
    """POST only; shows the contract page again when the reason is missing."""

    http_method_names = ["post"]
    permission_required = "providers.manage_contract"

    def form_invalid(self, **forms):
        self.object = self.get_object()
        return self.render_to_response(self.get_context_data(**forms))

    def refused(self, error: ValidationError):
        for text in error.messages:
            messages.error(self.request, text)
        return redirect("providers:contract_detail", self.get_object().pk)


class ContractWarnView(ContractActionView):
    def post(self, request, *args, **kwargs):
        form = ContractReasonForm(request.POST, prefix=WARN_PREFIX)
        if not form.is_valid():
            return self.form_invalid(warn_form=form)
        try:
            services.contract_warn(
                contract=self.get_object(), reason=form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as error:
            return self.refused(error)
        messages.success(request, _("The warning is recorded. The provider can see it."))
        return redirect("providers:contract_detail", self.get_object().pk)


class ContractStatusChangeView(ContractActionView):
    """Suspend, reactivate or terminate: the form's hidden `to` names the new status."""

    def post(self, request, *args, **kwargs):
        actions = {to: (prefix, label) for to, prefix, label in STATUS_ACTIONS}
        to = request.POST.get("to")
        if to not in actions:
            raise Http404
        prefix, _label = actions[to]
        form = ContractReasonForm(request.POST, prefix=prefix)
        if not form.is_valid():
            return self.form_invalid(status_form=form)
        contract = self.get_object()
        try:
            services.contract_change_status(
                contract=contract, to=to, reason=form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as error:
            return self.refused(error)
        messages.success(
            request,
            _("The contract is now: %(status)s.") % {"status": contract.get_status_display()},
        )
        return redirect("providers:contract_detail", contract.pk)


class ProviderContractListView(PermissionRequiredMixin, TemplateView):
    """The provider's own contracts with each municipality."""

    permission_required = "providers.access_provider_portal"
    template_name = "providers/contracts/portal_contract_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["contracts"] = contract_list_for_provider_user(user=self.request.user)
        return context


class ProviderContractDetailView(PermissionRequiredMixin, DetailView):
    """One of the provider's own contracts, with warnings and other events, read only."""

    permission_required = "providers.access_provider_portal"
    template_name = "providers/contracts/contract_detail.html"
    context_object_name = "contract"

    def get_object(self, queryset=None):
        if not hasattr(self, "_contract"):
            self._contract = contract_get_for_provider_user(
                user=self.request.user, pk=self.kwargs["pk"]
            )
        return self._contract

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["events"] = self.object.events.all()
        context["municipal_view"] = False
        return context
