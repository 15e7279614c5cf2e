"""Provider accounts: a company registers, invites colleagues and keeps its catalogue
profile. All pages work without JavaScript (plain forms, redirect after POST)."""

import mimetypes

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from lov_portal.core.forms import apply_errors
from lov_portal.core.uploads import file_response

from ..forms.accounts import (
    AdditionalServiceFormSet,
    ColleagueInviteForm,
    InvitationPasswordForm,
    ProviderProfileForm,
    ProviderRegistrationForm,
    additional_services_wanted,
)
from ..selectors import (
    colleague_get_for_user,
    colleague_list_for_user,
    invited_user_get,
    provider_get_for_user,
    provider_logo_get,
)
from ..services import (
    colleague_invitation_accept,
    colleague_invite,
    colleague_remove,
    invitation_token_generator,
    provider_profile_update,
    provider_register,
)

LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


@method_decorator(login_not_required, name="dispatch")
class ProviderRegisterView(FormView):
    """A company registers as a provider; its first user is logged in on the portal."""

    template_name = "providers/accounts/register.html"
    form_class = ProviderRegistrationForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            messages.info(request, _("You are logged in. Log out to register another company."))
            return redirect("core:home")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            provider, user = provider_register(
                organisation_number=data["organisation_number"],
                name=data["name"],
                legal_form=data["legal_form"],
                has_f_tax=data["has_f_tax"],
                street_address=data["street_address"],
                postal_code=data["postal_code"],
                city=data["city"],
                email=data["email"],
                phone=data["phone"],
                user_full_name=data["user_full_name"],
                user_email=data["user_email"],
                password=data["password1"],
            )
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        login(self.request, user, backend=LOGIN_BACKEND)
        messages.success(
            self.request,
            _("%(provider)s is registered. Complete your profile and invite your colleagues.")
            % {"provider": provider.name},
        )
        return redirect("providers:portal")


class ProviderPageMixin(PermissionRequiredMixin):
    """A page about one of the user's own providers (the pk in the URL); another provider
    and a missing one give the same 404."""

    permission_required = "providers.access_provider_portal"

    @cached_property
    def provider(self):
        return provider_get_for_user(user=self.request.user, pk=self.kwargs["pk"])

    def get_permission_object(self):
        return self.provider

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["provider"] = self.provider
        return context


class ColleaguesView(ProviderPageMixin, FormView):
    """The provider's colleagues, and a form to invite one more."""

    template_name = "providers/accounts/colleagues.html"
    form_class = ColleagueInviteForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assignments = list(colleague_list_for_user(user=self.request.user, provider=self.provider))
        context["assignments"] = assignments
        context["can_remove"] = (
            sum(1 for a in assignments if a.user.is_active and a.user.has_usable_password()) > 1
        )
        return context

    def form_valid(self, form):
        try:
            user, event = colleague_invite(
                provider=self.provider,
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                actor=self.request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        text = {
            "invited": _("An invitation has been sent to %(email)s."),
            "reinvited": _("The invitation has been sent again to %(email)s."),
            "added": _("%(email)s already had an account and now has access. We told them."),
        }[event]
        messages.success(self.request, text % {"email": user.email})
        return redirect("providers:colleagues", pk=self.provider.pk)


class ColleagueRemoveView(ProviderPageMixin, TemplateView):
    """Confirm, then end a colleague's access to the provider."""

    template_name = "providers/accounts/colleague_remove.html"

    @cached_property
    def assignment(self):
        return colleague_get_for_user(
            user=self.request.user, provider=self.provider, pk=self.kwargs["assignment_pk"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["assignment"] = self.assignment
        context["is_self"] = self.assignment.user_id == self.request.user.pk
        return context

    def post(self, request, *args, **kwargs):
        assignment = self.assignment
        colleague = assignment.user
        try:
            colleague_remove(assignment=assignment, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("providers:colleagues", pk=self.provider.pk)
        if colleague.pk == request.user.pk:
            messages.success(
                request,
                _("Your access to %(provider)s has ended.") % {"provider": self.provider.name},
            )
            return redirect("core:home")
        messages.success(
            request,
            _("%(name)s no longer has access to %(provider)s.")
            % {"name": colleague.full_name or colleague.email, "provider": self.provider.name},
        )
        return redirect("providers:colleagues", pk=self.provider.pk)


@method_decorator(login_not_required, name="dispatch")
class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """The link in the invitation e-mail: the colleague chooses a password and is logged in.
    Like Django's password reset, the token moves into the session so it never shows up in
    a Referer header; an invalid, used or expired link shows a clear message."""

    template_name = "providers/accounts/invitation_accept.html"
    form_class = InvitationPasswordForm
    token_generator = invitation_token_generator

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return invited_user_get(pk=user.pk) if user is not None else None

    def form_valid(self, form):
        try:
            user = colleague_invitation_accept(
                user=self.user, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        login(self.request, user, backend=LOGIN_BACKEND)
        messages.success(self.request, _("Welcome! Your password is saved and you are logged in."))
        return redirect("providers:portal")


class ProviderProfileView(ProviderPageMixin, TemplateView):
    """The profile the catalogue shows: presentation, languages, specialisations,
    additional services with prices, environmental profile, logo and contact details."""

    template_name = "providers/accounts/profile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ProviderProfileForm(instance=self.provider))
        context.setdefault(
            "formset", AdditionalServiceFormSet(instance=self.provider, prefix="services")
        )
        return context

    def post(self, request, *args, **kwargs):
        provider = self.provider
        form = ProviderProfileForm(request.POST, request.FILES, instance=provider)
        formset = AdditionalServiceFormSet(request.POST, instance=provider, prefix="services")
        if form.is_valid() and formset.is_valid():
            try:
                provider_profile_update(
                    provider=provider,
                    actor=request.user,
                    fields=form.profile_fields(),
                    languages=form.cleaned_data["languages"],
                    specialisations=form.cleaned_data["specialisations"],
                    additional_services=additional_services_wanted(formset),
                    logo=form.cleaned_data.get("logo"),
                    remove_logo=form.cleaned_data.get("remove_logo", False),
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The profile is saved."))
                return redirect("providers:provider_profile", pk=provider.pk)
        provider.refresh_from_db()
        return self.render_to_response(self.get_context_data(form=form, formset=formset))


@method_decorator(login_not_required, name="dispatch")
class ProviderLogoView(View):
    """A provider's logo: public, as the catalogue shows it. Only PNG and JPEG are ever
    stored (sniffed on upload)."""

    def get(self, request, pk):
        provider = provider_logo_get(pk=pk)
        content_type = mimetypes.guess_type(provider.logo.name)[0]
        if content_type not in ("image/png", "image/jpeg"):
            content_type = "application/octet-stream"
        extension = provider.logo.name.rsplit(".", 1)[-1]
        return file_response(
            provider.logo, filename=f"logo-{provider.pk}.{extension}", content_type=content_type
        )
