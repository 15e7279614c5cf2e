"""Views of the needs assessment app. Every read of a citizen's data is in the audit log."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from lov_portal.accounts.constants import Role
from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_log
from lov_portal.core.forms import apply_errors
from lov_portal.core.models import Municipality
from lov_portal.core.views import SectionHomeView
from lov_portal.permissions import user_scope

from . import services
from .constants import DecisionStatus
from .documents import decision_pdf
from .forms import (
    ChoiceForm,
    CitizenForm,
    CitizenRegisterForm,
    CitizenSearchForm,
    ContactPersonForm,
    DecideForm,
    DecisionForm,
    EndDecisionForm,
    GrantedServiceFormSet,
    OrderConfirmForm,
)
from .selectors import (
    choice_providers_for,
    citizen_find_for_user,
    citizen_get_for_user,
    citizen_shows_address,
    decision_get_for_user,
    order_get_for_provider_user,
    order_list_active,
    order_list_for_provider_user,
    workspace_for_assessor,
)


class HomeView(SectionHomeView):
    permission_required = "assessments.access_workspace"
    template_name = "assessments/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        work = workspace_for_assessor(user=self.request.user, today=timezone.localdate())
        shown = {d.citizen for d in work["my_decisions"]} | {
            d.citizen for d in work["due_for_follow_up"]
        }
        shown |= {o.decision.citizen for o in work["unconfirmed_orders"]}
        for citizen in shown:
            audit_log(self.request, AuditAction.READ, citizen, message="workspace")
        context.update(work)
        return context


class CitizenSearchView(PermissionRequiredMixin, TemplateView):
    """Find a citizen of one's municipality by personnummer or samordningsnummer."""

    permission_required = "assessments.manage_citizen"
    template_name = "assessments/citizen_search.html"

    def get(self, request, *args, **kwargs):
        form = CitizenSearchForm(request.GET or None)
        not_found = False
        if form.is_bound and form.is_valid():
            number = form.cleaned_data["identity_number"]
            citizen = citizen_find_for_user(user=request.user, identity_number=number)
            if citizen is not None:
                return redirect("assessments:citizen_detail", pk=citizen.pk)
            not_found = True
        return self.render_to_response(self.get_context_data(form=form, not_found=not_found))


class CitizenRegisterView(PermissionRequiredMixin, FormView):
    permission_required = "assessments.manage_citizen"
    template_name = "assessments/citizen_form.html"
    form_class = CitizenRegisterForm

    def get_initial(self):
        return {"identity_number": self.request.GET.get("identity_number", "")}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        ids = user_scope(self.request.user).municipality_ids(Role.NEEDS_ASSESSOR)
        kwargs["municipalities"] = Municipality.objects.filter(pk__in=ids)
        return kwargs

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            citizen = services.citizen_register(
                identity_number=data.pop("identity_number"),
                municipality=data.pop("municipality"),
                actor=self.request.user,
                **data,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The citizen is registered."))
        return redirect("assessments:citizen_detail", pk=citizen.pk)


class CitizenMixin(PermissionRequiredMixin):
    permission_required = "assessments.manage_citizen"

    def get_permission_object(self):
        return self.citizen

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.citizen = citizen_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["citizen"] = self.citizen
        context["shows_address"] = citizen_shows_address(
            user=self.request.user, citizen=self.citizen
        )
        return context


class CitizenDetailView(CitizenMixin, TemplateView):
    template_name = "assessments/citizen_detail.html"

    def get(self, request, *args, **kwargs):
        audit_log(request, AuditAction.READ, self.citizen)
        return super().get(request, *args, **kwargs)


class CitizenUpdateView(CitizenMixin, FormView):
    template_name = "assessments/citizen_form.html"
    form_class = CitizenForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["hide_address"] = not citizen_shows_address(
            user=self.request.user, citizen=self.citizen
        )
        return kwargs

    def get_initial(self):
        c = self.citizen
        return {name: getattr(c, name) for name in services.CITIZEN_FIELDS}

    def get(self, request, *args, **kwargs):
        audit_log(request, AuditAction.READ, self.citizen, message="edit form")
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            services.citizen_update(
                citizen=self.citizen, actor=self.request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The changes are saved."))
        return redirect("assessments:citizen_detail", pk=self.citizen.pk)


class ContactPersonAddView(CitizenMixin, FormView):
    template_name = "assessments/contact_form.html"
    form_class = ContactPersonForm

    def has_permission(self):
        # Contact persons of a protected identity are as hidden as the address.
        return super().has_permission() and citizen_shows_address(
            user=self.request.user, citizen=self.citizen
        )

    def form_valid(self, form):
        services.contact_person_add(
            citizen=self.citizen, actor=self.request.user, **form.cleaned_data
        )
        messages.success(self.request, _("The contact person is added."))
        return redirect(reverse("assessments:citizen_detail", args=[self.citizen.pk]))


# --- Decisions (biståndsbeslut) ----------------------------------------------------------------


def _services(formset) -> list:
    return [
        (
            f.cleaned_data.get("service_type"),
            f.cleaned_data.get("granted_hours"),
            f.cleaned_data["unit"],
        )
        for f in formset.forms
        if f.cleaned_data.get("service_type")
    ]


class DecisionFormMixin:
    """The decision's fields and its granted services, on one page."""

    template_name = "assessments/decision_form.html"

    def forms(self, initial=None, services=None):
        data = self.request.POST if self.request.method == "POST" else None
        form = DecisionForm(data, initial=initial)
        formset = GrantedServiceFormSet(data, initial=services, prefix="services")
        return form, formset

    def render_forms(self, form, formset, **extra):
        return render(
            self.request,
            self.template_name,
            {"form": form, "formset": formset, "citizen": self.citizen, **extra},
        )

    def save(self, form, formset, write):
        if not (form.is_valid() and formset.is_valid()):
            return None
        try:
            return write(services=_services(formset), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
            return None


class DecisionCreateView(CitizenMixin, DecisionFormMixin, View):
    permission_required = "assessments.make_decision"

    def get(self, request, *args, **kwargs):
        audit_log(request, AuditAction.READ, self.citizen, message="new decision")
        return self.render_forms(*self.forms())

    def post(self, request, *args, **kwargs):
        form, formset = self.forms()
        decision = self.save(
            form,
            formset,
            lambda **data: services.decision_draft_create(
                citizen=self.citizen, actor=request.user, **data
            ),
        )
        if decision is None:
            return self.render_forms(form, formset)
        messages.success(request, _("The decision is saved as a draft."))
        return redirect("assessments:decision_detail", pk=decision.pk)


class DecisionMixin(PermissionRequiredMixin):
    permission_required = "assessments.make_decision"

    def get_permission_object(self):
        return self.decision

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.decision = decision_get_for_user(user=request.user, pk=kwargs["pk"])
            self.citizen = self.decision.citizen
        return super().dispatch(request, *args, **kwargs)


class DecisionDetailView(DecisionMixin, TemplateView):
    template_name = "assessments/decision_detail.html"

    def get(self, request, *args, **kwargs):
        audit_log(request, AuditAction.READ, self.decision)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, *, choice_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            decision=self.decision,
            citizen=self.citizen,
            decide_form=DecideForm(initial={"decision_date": timezone.localdate()}),
            end_form=EndDecisionForm(),
            history=self.decision.history.select_related("actor"),
            choices=self.choice_rows(bound_form=choice_form),
            catalogue_query=self.catalogue_query(),
        )
        return context

    def catalogue_query(self) -> str:
        """The printed catalogue for the citizen's area and the granted services."""
        if self.citizen.area_id is None:
            return ""
        query = QueryDict(mutable=True)
        query["area"] = self.citizen.area_id
        query.setlist("services", [s.service_type.code for s in self.decision.services.all()])
        return query.urlencode()

    def choice_rows(self, bound_form=None):
        """Per granted service: the current order and a form to record the choice."""
        rows = []
        if self.decision.status != DecisionStatus.DECIDED:
            return rows
        for granted in self.decision.services.select_related("service_type"):
            service = granted.service_type
            current = (
                order_list_active(citizen=self.citizen, service_type=service)
                .select_related("provider", "choice")
                .first()
            )
            form = ChoiceForm(
                providers=choice_providers_for(decision=self.decision, service_type=service),
                service=service,
                is_change=current is not None,
                initial={"chosen_on": timezone.localdate()},
            )
            if bound_form is not None and bound_form.service == service:
                form = bound_form
            rows.append((granted, current, form))
        return rows


class DecisionUpdateView(DecisionMixin, DecisionFormMixin, View):
    def initial(self):
        d = self.decision
        return (
            {
                "legal_basis": d.legal_basis,
                "valid_from": d.valid_from,
                "valid_to": d.valid_to,
                "reasons": d.reasons,
            },
            [
                {"service_type": s.service_type, "granted_hours": s.granted_hours, "unit": s.unit}
                for s in d.services.all()
            ],
        )

    def get(self, request, *args, **kwargs):
        if self.decision.status != DecisionStatus.DRAFT:
            return redirect("assessments:decision_detail", pk=self.decision.pk)
        audit_log(request, AuditAction.READ, self.decision, message="edit form")
        return self.render_forms(*self.forms(*self.initial()), decision=self.decision)

    def post(self, request, *args, **kwargs):
        form, formset = self.forms()
        saved = self.save(
            form,
            formset,
            lambda **data: services.decision_draft_update(
                decision=self.decision, actor=request.user, **data
            ),
        )
        if saved is None:
            return self.render_forms(form, formset, decision=self.decision)
        messages.success(request, _("The draft is saved."))
        return redirect("assessments:decision_detail", pk=self.decision.pk)


class DecisionActionView(DecisionMixin, View):
    """POST-only actions on a decision: decide, make a new version, end."""

    http_method_names = ["post"]
    action = ""

    def post(self, request, *args, **kwargs):
        try:
            if self.action == "decide":
                form = DecideForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(form.errors["decision_date"])
                decided = services.decision_decide(
                    decision=self.decision, actor=request.user, **form.cleaned_data
                )
                messages.success(request, _("The decision is decided."))
                return redirect("assessments:decision_detail", pk=decided.pk)
            if self.action == "revise":
                new = services.decision_revise(decision=self.decision, actor=request.user)
                messages.success(request, _("A new version is drafted. Change it and decide it."))
                return redirect("assessments:decision_update", pk=new.pk)
            form = EndDecisionForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors["ended_on"])
            services.decision_end(decision=self.decision, actor=request.user, **form.cleaned_data)
            messages.success(request, _("The decision is ended."))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect("assessments:decision_detail", pk=self.decision.pk)


class DecisionPdfView(DecisionMixin, View):
    """The decision as a PDF for the citizen (no address: it may be protected)."""

    def get(self, request, *args, **kwargs):
        audit_log(request, AuditAction.EXPORT, self.decision, message="decision PDF")
        pdf = decision_pdf(self.decision)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="beslut-{self.decision.pk}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


class ChoiceRecordView(DecisionDetailView):
    """The assessor records the provider the citizen chose for one granted service; a refused
    choice is shown on the decision page at its form."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        service = get_object_or_404(
            self.decision.services.select_related("service_type"), pk=kwargs["service_pk"]
        ).service_type
        form = ChoiceForm(
            request.POST,
            providers=choice_providers_for(decision=self.decision, service_type=service),
            service=service,
            is_change=order_list_active(citizen=self.citizen, service_type=service).exists(),
        )
        if form.is_valid():
            try:
                services.choice_record(
                    decision=self.decision,
                    service_type=service,
                    actor=request.user,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The choice is recorded and the order sent."))
                return redirect("assessments:decision_detail", pk=self.decision.pk)
        return self.render_to_response(self.get_context_data(choice_form=form))


class ProviderOrderListView(PermissionRequiredMixin, TemplateView):
    permission_required = "assessments.handle_order"
    template_name = "assessments/provider_orders.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        orders = order_list_for_provider_user(user=self.request.user)
        for order in orders:
            audit_log(self.request, AuditAction.READ, order.decision.citizen, message="order list")
        context["orders"] = orders
        return context


class ProviderOrderDetailView(PermissionRequiredMixin, TemplateView):
    """What the provider needs to start: the citizen's name, address (unless protected),
    services and granted time; the start date is confirmed here."""

    permission_required = "assessments.handle_order"
    template_name = "assessments/provider_order.html"

    def get_permission_object(self):
        return self.order

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.order = order_get_for_provider_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        audit_log(request, AuditAction.READ, self.order.decision.citizen, message="order")
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        form = OrderConfirmForm(request.POST)
        if form.is_valid():
            try:
                services.order_confirm(order=self.order, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The order is confirmed."))
                return redirect("provider_orders:detail", pk=self.order.pk)
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault(
            "form", OrderConfirmForm(initial={"starts_on": self.order.requested_start})
        )
        context["order"] = self.order
        context["citizen"] = self.order.decision.citizen
        return context


class NoChoiceView(DecisionMixin, View):
    """The citizen does not choose: the municipality's no-choice rule picks the provider."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        granted = get_object_or_404(
            self.decision.services.select_related("service_type"), pk=kwargs["service_pk"]
        )
        try:
            order = services.no_choice_apply(
                decision=self.decision,
                service_type=granted.service_type,
                on=timezone.localdate(),
                actor=request.user,
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("The no-choice alternative picked %(provider)s; the order is sent.")
                % {"provider": order.provider.name},
            )
        return redirect("assessments:decision_detail", pk=self.decision.pk)
