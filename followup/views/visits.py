"""Follow-up visits: quality officers plan visits, record the checklist and findings, and
accept or return action plans; providers answer their own findings with action plans. A visit
shared with a cooperation is read by the cooperation's officers, changed only by its own."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from rules.contrib.views import PermissionRequiredMixin

from lov_portal.core.forms import apply_errors

from .. import services
from ..constants import FindingStatus, VisitStatus
from ..forms import (
    ActionPlanForm,
    ChecklistForm,
    ChecklistItemAddForm,
    FindingForm,
    PlanAcceptForm,
    PlanReturnForm,
    VisitCarryOutForm,
    VisitFilterForm,
    VisitPlanForm,
)
from ..selectors import (
    finding_get_for_user,
    finding_history,
    finding_plans,
    provider_finding_get_for_user,
    provider_visit_list_for_user,
    visit_case_list,
    visit_cooperation_list,
    visit_findings,
    visit_get_for_user,
    visit_history,
    visit_list_filtered,
    visit_municipality_list,
    visit_provider_list,
)

# --- The quality officer's side -------------------------------------------------------------


class VisitListView(PermissionRequiredMixin, TemplateView):
    permission_required = "followup.manage_visits"
    template_name = "followup/visits/visit_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        form = VisitFilterForm(self.request.GET or None, providers=visit_provider_list(user=user))
        filters = {}
        if form.is_valid():
            provider = form.cleaned_data["provider"]
            filters = {
                "provider_id": provider.pk if provider else None,
                "status": form.cleaned_data["status"],
                "overdue_only": form.cleaned_data["overdue"],
            }
        context.update(
            form=form,
            visits=visit_list_filtered(user=user, today=today, **filters)[:200],
            today=today,
        )
        return context


class VisitPlanView(PermissionRequiredMixin, TemplateView):
    permission_required = "followup.manage_visits"
    template_name = "followup/visits/visit_plan.html"

    def form(self, data=None):
        from providers.selectors import provider_list_active_in

        user = self.request.user
        municipalities = visit_municipality_list(user=user)
        return VisitPlanForm(
            data,
            municipalities=municipalities,
            providers=provider_list_active_in(
                municipality_ids=list(municipalities.values_list("pk", flat=True))
            ),
            cases=visit_case_list(user=user),
            cooperations=visit_cooperation_list(user=user),
            initial={"municipality": municipalities.first()},
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        return context

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                visit = services.visit_plan(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The visit is planned with %(count)s checklist items.")
                    % {"count": visit.checklist.count()},
                )
                return redirect("followup:visit_detail", pk=visit.pk)
        return self.render_to_response(self.get_context_data(form=form))


class VisitMixin(PermissionRequiredMixin):
    permission_required = "followup.manage_visits"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.visit = visit_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_permission_object(self):
        return self.visit


class VisitDetailView(VisitMixin, TemplateView):
    template_name = "followup/visits/visit_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visit = self.visit
        today = timezone.localdate()
        can_change = services.visit_may_change(self.request.user, visit)
        editable = can_change and visit.status in services.VISIT_EDITABLE
        checklist = visit.checklist.all()
        findings = list(visit_findings(visit=visit, today=today))
        context.update(
            visit=visit,
            can_change=can_change,
            editable=editable,
            checklist=checklist,
            findings=findings,
            history=visit_history(visit=visit),
            may_close=can_change
            and visit.status == VisitStatus.DONE
            and all(f.status in services.FINDING_SETTLED for f in findings),
        )
        if editable:
            context.setdefault("checklist_form", ChecklistForm(items=checklist))
            context.setdefault("item_form", ChecklistItemAddForm())
            context.setdefault("finding_form", FindingForm(checklist=checklist))
        if can_change and visit.status == VisitStatus.PLANNED:
            context.setdefault(
                "carry_out_form",
                VisitCarryOutForm(initial={"carried_out_on": min(today, visit.planned_on)}),
            )
        return context


class VisitActionView(VisitDetailView):
    """A POST on the visit page; an invalid form is shown again on the page."""

    http_method_names = ["post"]

    def done(self):
        return redirect("followup:visit_detail", pk=self.visit.pk)

    def invalid(self, name: str, form):
        messages.error(self.request, _("Check the form: something is missing or wrong."))
        return self.render_to_response(self.get_context_data(**{name: form}))


class ChecklistSaveView(VisitActionView):
    def post(self, request, *args, **kwargs):
        form = ChecklistForm(request.POST, items=self.visit.checklist.all())
        if form.is_valid():
            try:
                services.checklist_record(
                    visit=self.visit, entries=form.entries(), actor=request.user
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The checklist is saved."))
                return self.done()
        return self.invalid("checklist_form", form)


class ChecklistItemAddView(VisitActionView):
    def post(self, request, *args, **kwargs):
        form = ChecklistItemAddForm(request.POST)
        if form.is_valid():
            try:
                services.checklist_item_add(
                    visit=self.visit, text=form.cleaned_data["text"], actor=request.user
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The point is added to the checklist."))
                return self.done()
        return self.invalid("item_form", form)


class FindingAddView(VisitActionView):
    def post(self, request, *args, **kwargs):
        form = FindingForm(request.POST, checklist=self.visit.checklist.all())
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("requires_plan")
            try:
                services.finding_add(visit=self.visit, actor=request.user, **data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The finding is recorded."))
                return self.done()
        return self.invalid("finding_form", form)


class VisitCarryOutView(VisitActionView):
    def post(self, request, *args, **kwargs):
        form = VisitCarryOutForm(request.POST)
        if form.is_valid():
            try:
                services.visit_carry_out(visit=self.visit, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "The visit is carried out. The provider can now read the summary and "
                        "answer the findings."
                    ),
                )
                return self.done()
        return self.invalid("carry_out_form", form)


class VisitStatusView(VisitActionView):
    """Close or cancel the visit."""

    action = ""

    def post(self, request, *args, **kwargs):
        try:
            if self.action == "close":
                services.visit_close(visit=self.visit, actor=request.user)
                messages.success(request, _("The visit is closed."))
            else:
                services.visit_cancel(visit=self.visit, actor=request.user)
                messages.success(request, _("The visit is cancelled."))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return self.done()


class FindingMixin(PermissionRequiredMixin):
    permission_required = "followup.manage_visits"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.finding = finding_get_for_user(
                user=request.user, pk=kwargs["pk"], today=timezone.localdate()
            )
        return super().dispatch(request, *args, **kwargs)

    def get_permission_object(self):
        return self.finding


class FindingDetailView(FindingMixin, TemplateView):
    template_name = "followup/visits/finding_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        finding = self.finding
        may_review = (
            services.visit_may_change(self.request.user, finding.visit)
            and finding.status == FindingStatus.PLAN_SUBMITTED
        )
        context.update(
            finding=finding,
            visit=finding.visit,
            plans=finding_plans(finding=finding),
            history=finding_history(finding=finding),
            may_review=may_review,
        )
        if may_review:
            context.setdefault("accept_form", PlanAcceptForm())
            context.setdefault("return_form", PlanReturnForm())
        return context


class PlanReviewView(FindingDetailView):
    http_method_names = ["post"]
    action = ""

    def post(self, request, *args, **kwargs):
        form_class, name = (
            (PlanAcceptForm, "accept_form")
            if self.action == "accept"
            else (PlanReturnForm, "return_form")
        )
        form = form_class(request.POST)
        if form.is_valid():
            try:
                if self.action == "accept":
                    services.action_plan_accept(
                        finding=self.finding, actor=request.user, **form.cleaned_data
                    )
                    messages.success(request, _("The action plan is accepted."))
                else:
                    services.action_plan_return(
                        finding=self.finding, actor=request.user, **form.cleaned_data
                    )
                    messages.success(
                        request, _("The action plan is returned to the provider with your comment.")
                    )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return redirect("followup:finding_detail", pk=self.finding.pk)
        return self.render_to_response(self.get_context_data(**{name: form}))


# --- The provider's side --------------------------------------------------------------------


class ProviderFindingListView(PermissionRequiredMixin, TemplateView):
    """The provider's carried-out follow-up visits: summaries and findings, overdue flagged."""

    permission_required = "followup.answer_finding"
    template_name = "followup/visits/provider_finding_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context["visits"] = provider_visit_list_for_user(user=self.request.user, today=today)
        return context


class ProviderFindingDetailView(PermissionRequiredMixin, TemplateView):
    """A finding of one's own visit; answered with an action plan while one is awaited."""

    permission_required = "followup.answer_finding"
    template_name = "followup/visits/provider_finding_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.finding = provider_finding_get_for_user(
                user=request.user, pk=kwargs["pk"], today=timezone.localdate()
            )
        return super().dispatch(request, *args, **kwargs)

    def get_permission_object(self):
        return self.finding

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        finding = self.finding
        may_answer = finding.status == FindingStatus.AWAITING_PLAN
        context.update(
            finding=finding,
            visit=finding.visit,
            plans=finding_plans(finding=finding),
            may_answer=may_answer,
        )
        if may_answer:
            context.setdefault("form", ActionPlanForm())
        return context

    def post(self, request, *args, **kwargs):
        form = ActionPlanForm(request.POST)
        if form.is_valid():
            try:
                services.action_plan_submit(
                    finding=self.finding, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, _("Your action plan is sent. The municipality will review it.")
                )
                return redirect("provider_followup:finding_detail", pk=self.finding.pk)
        return self.render_to_response(self.get_context_data(form=form))
