from django.conf import settings

from .sections import sections_for


def portal(request):
    user = getattr(request, "user", None)
    return {
        "nav_sections": sections_for(user) if user is not None else [],
        "can_use_admin": bool(user and user.is_authenticated and user.is_staff),
        "demo_mode": settings.DEMO_PASSWORDS_ALLOWED,
    }
