"""Complaints, deviations and Lex Sarah cases: the public form, quality staff's register, list
and handling, and the provider's side. Every read of a case (personal data) is audited; the
audit text is the case number, never the contact's name or e-mail."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_log
from lov_portal.core.forms import apply_errors

from .. import services
from ..case_notifications import case_reply_recipient
from ..constants import CaseChannel, CaseStatus
from ..forms import (
    CaseAssignForm,
    CaseFilterForm,
    CaseRegisterForm,
    CaseStatementForm,
    CaseTransitionForm,
    ProviderCaseReportForm,
    PublicComplaintForm,
)
from ..selectors import (
    case_get_for_provider_user,
    case_get_for_user,
    case_handler_choices,
    case_list_filtered,
    case_list_for_provider_user,
    case_municipality_choices,
    case_provider_choices,
    case_public_municipalities,
    case_public_municipality_get,
    case_register_provider_choices,
    case_report_choices,
)

CASES_PER_PAGE = 25
# The session key that carries the case number from the public form to its receipt page.
RECEIPT_SESSION_KEY = "followup_case_receipt"

public = method_decorator(login_not_required, name="dispatch")


# --- The public complaint form ----------------------------------------------------------------


@public
class ComplaintStartView(TemplateView):
    """Choose the municipality the complaint is for."""

    template_name = "followup/cases/public_start.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["municipalities"] = case_public_municipalities()
        return context


@public
class ComplaintFormView(FormView):
    """What happened, optionally about which provider and who to answer. Works without
    JavaScript; on an error everything typed comes back with the errors at their fields."""

    template_name = "followup/cases/public_form.html"
    form_class = PublicComplaintForm

    def dispatch(self, request, *args, **kwargs):
        self.municipality = case_public_municipality_get(code=kwargs["code"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["providers"] = case_register_provider_choices(municipality=self.municipality)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["municipality"] = self.municipality
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_spam:
            # A bot filled in the hidden field: it sees the usual receipt, nothing is saved.
            request.session.pop(RECEIPT_SESSION_KEY, None)
            return redirect("followup_public:complaint_receipt")
        if form.is_valid():
            return self.form_valid(form)
        return self.form_invalid(form)

    def form_valid(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "website"}
        try:
            case = services.case_submit_public(municipality=self.municipality, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        self.request.session[RECEIPT_SESSION_KEY] = {
            "reference": case.reference,
            "municipality": self.municipality.name,
            "reply_by_email": bool(case.contact_email),
        }
        return redirect("followup_public:complaint_receipt")


@public
class ComplaintReceiptView(TemplateView):
    """The case number of the complaint just sent (from the session: nobody can look up
    another person's case here)."""

    template_name = "followup/cases/public_receipt.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["receipt"] = self.request.session.get(RECEIPT_SESSION_KEY)
        return context


# --- Quality staff ----------------------------------------------------------------------------


class CaseListView(PermissionRequiredMixin, TemplateView):
    """The cases of the officer's municipalities, filtered; each case shown is audited."""

    permission_required = "followup.handle_case"
    template_name = "followup/cases/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        municipalities = case_municipality_choices(user=user)
        ids = [m.pk for m in municipalities]
        form = CaseFilterForm(
            self.request.GET or None,
            municipalities=municipalities,
            providers=case_provider_choices(municipality_ids=ids),
            handlers=case_handler_choices(municipality_ids=ids),
        )
        filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
        cases = case_list_filtered(
            user=user, **{k: v for k, v in filters.items() if v not in (None, "")}
        )
        page = Paginator(cases, CASES_PER_PAGE).get_page(self.request.GET.get("page"))
        for case in page:
            audit_log(self.request, AuditAction.READ, case, message="case list")
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            page=page,
            cases=page.object_list,
            query=query.urlencode(),
            several_municipalities=len(ids) > 1,
        )
        return context


class CaseRegisterView(PermissionRequiredMixin, FormView):
    """Register a case received by telephone or letter."""

    permission_required = "followup.handle_case"
    template_name = "followup/cases/register.html"
    form_class = CaseRegisterForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        municipalities = list(case_municipality_choices(user=self.request.user))
        providers = {}
        for municipality in municipalities:
            for provider in case_register_provider_choices(municipality=municipality):
                providers[provider.pk] = provider
        kwargs["municipalities"] = case_municipality_choices(user=self.request.user)
        kwargs["providers"] = sorted(providers.values(), key=lambda p: (p.name, p.pk))
        return kwargs

    def form_valid(self, form):
        try:
            case = services.case_register(actor=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The case is registered as %(reference)s.") % {"reference": case.reference},
        )
        return redirect("followup:case_detail", pk=case.pk)


class CaseMixin(PermissionRequiredMixin):
    permission_required = "followup.handle_case"

    def get_permission_object(self):
        return self.case

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.case = case_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


class CaseDetailView(CaseMixin, TemplateView):
    """The case with its history, the handler and the status form."""

    template_name = "followup/cases/detail.html"

    def get(self, request, *args, **kwargs):
        self.audit_read()
        return super().get(request, *args, **kwargs)

    def audit_read(self):
        audit_log(self.request, AuditAction.READ, self.case)
        if self.case.citizen_id:
            audit_log(
                self.request,
                AuditAction.READ,
                self.case.citizen,
                message=f"case {self.case.reference}",
            )

    def get_context_data(self, *, assign_form=None, transition_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.case
        handlers = case_handler_choices(municipality_ids=[case.municipality_id])
        context.update(
            case=case,
            history=case.history.select_related("actor"),
            assign_form=assign_form
            or CaseAssignForm(handlers=handlers, initial={"handler": case.handler_id}),
            transition_form=transition_form or CaseTransitionForm(case=case),
            is_open=case.status != CaseStatus.CLOSED,
            reply_recipient=case_reply_recipient(case),
        )
        return context


class CaseAssignView(CaseDetailView):
    """POST: make someone (or, with `take`, oneself) the case's handler."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        handlers = case_handler_choices(municipality_ids=[self.case.municipality_id])
        data = {"handler": request.user.pk} if "take" in request.POST else request.POST
        form = CaseAssignForm(data, handlers=handlers)
        if form.is_valid():
            try:
                services.case_assign(
                    case=self.case, handler=form.cleaned_data["handler"], actor=request.user
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The handler is saved."))
                return redirect("followup:case_detail", pk=self.case.pk)
        self.audit_read()
        return self.render_to_response(self.get_context_data(assign_form=form))


class CaseTransitionView(CaseDetailView):
    """POST: move the case on (investigate, answer with a reply, close)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = CaseTransitionForm(request.POST, case=self.case)
        if form.is_valid():
            try:
                services.case_transition(
                    case=self.case,
                    to=form.cleaned_data["to"],
                    reply=form.cleaned_data["reply"],
                    comment=form.cleaned_data["comment"],
                    actor=request.user,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The case is now “%(status)s”.") % {"status": self.case.get_status_display()},
                )
                return redirect("followup:case_detail", pk=self.case.pk)
        self.audit_read()
        return self.render_to_response(self.get_context_data(transition_form=form))


# --- The provider's side ----------------------------------------------------------------------


class ProviderCaseListView(PermissionRequiredMixin, TemplateView):
    """The cases about the user's providers (only those), with a link to report one."""

    permission_required = "followup.provider_case"
    template_name = "followup/cases/provider_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(
            case_list_for_provider_user(user=self.request.user), CASES_PER_PAGE
        ).get_page(self.request.GET.get("page"))
        for case in page:
            audit_log(self.request, AuditAction.READ, case, message="provider case list")
        context.update(page=page, cases=page.object_list, query="")
        return context


class ProviderCaseReportView(PermissionRequiredMixin, FormView):
    """Report a deviation (avvikelse) or a Lex Sarah event to a municipality."""

    permission_required = "followup.provider_case"
    template_name = "followup/cases/provider_report.html"
    form_class = ProviderCaseReportForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["pairs"] = case_report_choices(user=self.request.user)
        return kwargs

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        provider, municipality = data.pop("report_for")
        try:
            case = services.case_report_by_provider(
                provider=provider, municipality=municipality, actor=self.request.user, **data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Your report is sent to %(municipality)s as %(reference)s.")
            % {"municipality": municipality.name, "reference": case.reference},
        )
        return redirect("provider_followup:case_detail", pk=case.pk)


class ProviderCaseDetailView(PermissionRequiredMixin, FormView):
    """A case about the provider: what happened, its status, and the provider's statement.
    The complainant's name and contact details are not shown to the provider."""

    permission_required = "followup.provider_case"
    template_name = "followup/cases/provider_detail.html"
    form_class = CaseStatementForm

    def get_permission_object(self):
        return self.case

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.case = case_get_for_provider_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        audit_log(request, AuditAction.READ, self.case, message="provider")
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        return {"statement": self.case.provider_statement}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            case=self.case,
            is_open=self.case.status != CaseStatus.CLOSED,
            # The reply to a complaint is the complainant's; a report's reply is the provider's.
            shows_reply=self.case.channel == CaseChannel.PROVIDER,
        )
        return context

    def form_valid(self, form):
        try:
            services.case_statement_submit(
                case=self.case, statement=form.cleaned_data["statement"], actor=self.request.user
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Your statement is saved."))
        return redirect("provider_followup:case_detail", pk=self.case.pk)
