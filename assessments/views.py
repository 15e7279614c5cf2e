"""Views of the needs assessment app. Every read of a citizen's data is in the audit log."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from lov_portal.accounts.constants import Role
from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_log
from lov_portal.core.models import Municipality
from lov_portal.core.views import SectionHomeView
from lov_portal.permissions import user_scope

from . import services
from .forms import CitizenForm, CitizenRegisterForm, CitizenSearchForm, ContactPersonForm
from .selectors import citizen_find_for_user, citizen_get_for_user, citizen_shows_address


class HomeView(SectionHomeView):
    permission_required = "assessments.access_workspace"
    template_name = "assessments/home.html"


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


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
            _apply_errors(form, exc)
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
            _apply_errors(form, exc)
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
