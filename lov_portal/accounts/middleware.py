"""Second factor: a user with a TOTP device must enter a code before anything else; where
settings.OTP_REQUIRED_FOR_STAFF is on (production), staff without a device must set one up."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device

from lov_portal.permissions import user_scope

from .constants import STAFF_ROLES

# Paths a half-logged-in user may still reach.
_ALWAYS_ALLOWED = ("accounts:verify", "accounts:second_factor", "accounts:logout", "set_language")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_verified():
            target = self._redirect_target(request, user)
            if target and request.path not in self._allowed_paths():
                return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)

    @staticmethod
    def _allowed_paths() -> set[str]:
        return {reverse(name) for name in _ALWAYS_ALLOWED}

    @staticmethod
    def _redirect_target(request, user) -> str | None:
        if request.path.startswith(settings.STATIC_URL):
            return None
        if user_has_device(user, confirmed=True):
            return "accounts:verify"
        if settings.OTP_REQUIRED_FOR_STAFF and user_scope(user).roles & STAFF_ROLES:
            return "accounts:second_factor"
        return None
