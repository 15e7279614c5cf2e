from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView
from rules.contrib.views import PermissionRequiredMixin

from .sections import sections_for
from .selectors import municipality_list


@method_decorator(login_not_required, name="dispatch")
class StartView(TemplateView):
    """Public start page: the public goes to the catalogue, staff and providers log in."""

    template_name = "core/start.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["municipalities"] = municipality_list()
        context["sections"] = sections_for(self.request.user)
        return context


class SectionHomeView(PermissionRequiredMixin, TemplateView):
    """Landing page of a work section; shows the municipalities the user works for there."""

    def get_context_data(self, **kwargs):
        from lov_portal.accounts.selectors import role_assignment_list_for_user

        context = super().get_context_data(**kwargs)
        context["assignments"] = role_assignment_list_for_user(user=self.request.user)
        return context


class WorkspaceView(SectionHomeView):
    """Where a logged-in user lands: the work sections their roles give them."""

    permission_required = "core.view_workspace"
    template_name = "core/workspace.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sections"] = sections_for(self.request.user)
        return context


@method_decorator(login_not_required, name="dispatch")
class AccessibilityStatementView(TemplateView):
    template_name = "core/accessibility.html"
    # Update when the statement is reviewed (at least yearly, as DIGG requires).
    extra_context = {"reviewed": date(2026, 11, 22)}


@login_not_required
def health(request):
    """Readiness for the load balancer: the database answers and, where tasks go through a
    broker, the broker accepts a connection. 503 with the failing part otherwise."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = connection.vendor
    except DatabaseError:
        checks["database"] = "unavailable"
    if settings.CELERY_TASK_ALWAYS_EAGER:
        checks["broker"] = "not used (tasks run in the web process)"
    else:
        checks["broker"] = _broker_status()
    healthy = "unavailable" not in checks.values()
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


def _broker_status() -> str:
    from lov_portal.celery import app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:  # noqa: BLE001 - any failure to reach the broker is "unavailable"
        return "unavailable"
