from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import FormView
from django_otp import login as otp_login
from rules.contrib.views import PermissionRequiredMixin

from .forms import LoginForm, TokenForm
from .second_factor import (
    totp_device_confirm,
    totp_device_get_confirmed,
    totp_device_get_or_create_pending,
    totp_device_qr_data_uri,
    totp_device_remove_all,
    totp_device_secret,
)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


class VerifyView(PermissionRequiredMixin, FormView):
    """Second step of login for users with a TOTP device."""

    permission_required = "accounts.manage_own_second_factor"
    template_name = "accounts/verify.html"
    form_class = TokenForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_verified():
            return redirect(_safe_next(request, reverse_lazy("core:home")))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["device"] = totp_device_get_confirmed(user=self.request.user)
        return kwargs

    def form_valid(self, form):
        otp_login(self.request, form.device)
        return redirect(_safe_next(self.request, reverse_lazy("core:home")))


class SecondFactorView(PermissionRequiredMixin, FormView):
    """Set up, or remove, the TOTP second factor of one's own account."""

    permission_required = "accounts.manage_own_second_factor"
    template_name = "accounts/second_factor.html"
    form_class = TokenForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        user = self.request.user
        kwargs["device"] = totp_device_get_confirmed(
            user=user
        ) or totp_device_get_or_create_pending(user=user)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device = context["form"].device
        context["enabled"] = device.confirmed
        if not device.confirmed:
            context["qr_data_uri"] = totp_device_qr_data_uri(device=device)
            context["secret"] = totp_device_secret(device=device)
        return context

    def form_valid(self, form):
        user = self.request.user
        if form.device.confirmed:
            totp_device_remove_all(user=user, actor=user, request=self.request)
            messages.success(self.request, _("Two-step verification is turned off."))
            return redirect("accounts:second_factor")
        totp_device_confirm(device=form.device, actor=user, request=self.request)
        otp_login(self.request, form.device)
        messages.success(self.request, _("Two-step verification is turned on."))
        return redirect(_safe_next(self.request, reverse_lazy("accounts:second_factor")))


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


@method_decorator(login_not_required, name="dispatch")
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


@method_decorator(login_not_required, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


@method_decorator(login_not_required, name="dispatch")
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
