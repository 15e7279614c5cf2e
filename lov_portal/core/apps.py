from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "lov_portal.core"
    label = "core"
    verbose_name = _("Municipalities and services")

    def ready(self) -> None:
        # Register the named permissions with django-rules.
        from lov_portal import permissions  # noqa: F401
