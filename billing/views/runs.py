"""Invoice runs: finance staff start, follow, approve and correct a month; providers see their
own bases and dispute lines before approval."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from rules.contrib.views import PermissionRequiredMixin

from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_log

from .. import services
from ..constants import RunStatus
from ..forms import DisputeAnswerForm, DisputeForm, RunStartForm
from ..selectors import (
    basis_get_for_user,
    basis_lines,
    basis_list_for_user,
    dispute_get_for_user,
    finance_municipality_list,
    line_get_for_user,
    run_bases,
    run_get_for_user,
    run_list_for_user,
)

WORKING = (RunStatus.QUEUED, RunStatus.RUNNING)


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


class RunListView(PermissionRequiredMixin, TemplateView):
    """The runs of one's municipalities, and the form that starts a month."""

    permission_required = "billing.manage_runs"
    template_name = "billing/run_list.html"

    def form(self, data=None):
        municipalities = finance_municipality_list(user=self.request.user)
        last_month = (timezone.localdate().replace(day=1) - timezone.timedelta(days=1)).replace(
            day=1
        )
        return RunStartForm(
            data,
            municipalities=municipalities,
            initial={"municipality": municipalities.first(), "month": f"{last_month:%Y-%m}"},
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        context["runs"] = run_list_for_user(user=self.request.user)[:48]
        return context

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                run, created = services.invoice_run_start(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None if not hasattr(exc, "error_dict") else "month", exc.messages)
            else:
                if created:
                    messages.success(request, _("The invoice run has started."))
                else:
                    messages.info(
                        request,
                        _("The month already has a run: here it is. Nothing new was created."),
                    )
                return redirect("billing:run_detail", pk=run.pk)
        return self.render_to_response(self.get_context_data(form=form))


class RunMixin(PermissionRequiredMixin):
    permission_required = "billing.manage_runs"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.run = run_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_permission_object(self):
        return self.run


class RunDetailView(RunMixin, TemplateView):
    template_name = "billing/run_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.run
        context.update(
            run=run,
            working=run.status in WORKING,
            bases=run_bases(run=run) if run.status not in WORKING else [],
            history=run.history.select_related("actor"),
            can_correct=run.status == RunStatus.APPROVED and not hasattr(run, "correction"),
        )
        return context


class RunProgressView(RunMixin, TemplateView):
    """The progress bar alone, polled by htmx while the run works; when it is done the page
    reloads to show the result."""

    template_name = "billing/_run_progress.html"

    def get(self, request, *args, **kwargs):
        response = self.render_to_response({"run": self.run, "working": self.run.status in WORKING})
        if self.run.status not in WORKING and request.htmx:
            response["HX-Refresh"] = "true"
        return response


class RunActionView(RunMixin, View):
    """Approve, compute again, correct or restart a run."""

    http_method_names = ["post"]
    action = ""

    def post(self, request, *args, **kwargs):
        run = self.run
        try:
            if self.action == "approve":
                services.invoice_run_approve(run=run, actor=request.user)
                messages.success(request, _("The run is approved. The invoices are final."))
            elif self.action == "recompute":
                services.invoice_run_recompute(run=run, actor=request.user)
                messages.success(request, _("The run is computed again."))
            elif self.action == "correct":
                run = services.invoice_run_correct(run=run, actor=request.user)
                messages.success(
                    request,
                    _("A correction is computed: it bills the difference to the approved run."),
                )
            elif self.action == "restart":
                run, _created = services.invoice_run_start(
                    municipality=run.municipality, month=run.month, actor=request.user
                )
                messages.success(request, _("The run is started again."))
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("billing:run_detail", pk=run.pk)


class BasisListView(PermissionRequiredMixin, TemplateView):
    """Invoice bases: a provider's own, or those of the finance officer's municipalities."""

    permission_required = "billing.view_basis"
    template_name = "billing/basis_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["bases"] = basis_list_for_user(user=self.request.user)[:200]
        return context


class BasisMixin(PermissionRequiredMixin):
    permission_required = "billing.view_basis"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.basis = basis_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_permission_object(self):
        return self.basis


class BasisDetailView(BasisMixin, TemplateView):
    """Lines per customer and service. Finance staff see the pseudonymous customer reference;
    the provider also sees its own customers' names (audited)."""

    template_name = "billing/basis_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        basis = self.basis
        user = self.request.user
        is_provider = user.has_perm("billing.dispute_line", basis)
        lines = list(basis_lines(basis=basis))
        if is_provider:
            for citizen in {line.citizen for line in lines if line.citizen_id}:
                audit_log(self.request, AuditAction.READ, citizen, message="invoice basis")
        else:
            audit_log(self.request, AuditAction.READ, basis, message="invoice basis")
        context.update(
            basis=basis,
            run=basis.run,
            lines=lines,
            deviations=basis.deviations.all(),
            show_names=is_provider,
            may_dispute=is_provider and basis.run.status == RunStatus.PRELIMINARY,
            may_answer=user.has_perm("billing.manage_runs", basis.run),
            dispute_form=kwargs.get("dispute_form") or DisputeForm(),
            answer_form=DisputeAnswerForm(),
        )
        return context


class LineDisputeView(PermissionRequiredMixin, View):
    """The provider disputes one line of its preliminary basis."""

    http_method_names = ["post"]
    permission_required = "billing.dispute_line"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.line = line_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_permission_object(self):
        return self.line

    def post(self, request, *args, **kwargs):
        form = DisputeForm(request.POST)
        if form.is_valid():
            try:
                services.line_dispute_raise(line=self.line, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("Your comment is sent to the municipality."))
        else:
            for error in form.errors.get("comment", []):
                messages.error(request, error)
        return redirect("billing:basis_detail", pk=self.line.basis_id)


class DisputeAnswerView(PermissionRequiredMixin, View):
    http_method_names = ["post"]
    permission_required = "billing.manage_runs"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.dispute = dispute_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_permission_object(self):
        return self.dispute

    def post(self, request, *args, **kwargs):
        form = DisputeAnswerForm(request.POST)
        if form.is_valid():
            try:
                services.line_dispute_answer(
                    dispute=self.dispute, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("The answer is saved and shown to the provider."))
        else:
            for error in form.errors.get("answer", []):
                messages.error(request, error)
        return redirect("billing:basis_detail", pk=self.dispute.line.basis_id)
