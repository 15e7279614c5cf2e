from django.http import Http404
from django.utils import timezone
from django.views.generic import DetailView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_log
from lov_portal.core.uploads import file_response
from lov_portal.core.views import SectionHomeView

from ..forms.decisions import reviewer_forms
from ..selectors import (
    application_get_for_user,
    application_history,
    decision_get_for_user,
    expiring_evidence,
    provider_list_for_user,
    review_queue,
)


class ProcurementHomeView(SectionHomeView):
    """Municipality side: requests for applications, review, board decisions, contracts."""

    permission_required = "providers.access_procurement"
    template_name = "providers/procurement_home.html"


class ProviderPortalHomeView(SectionHomeView):
    """Provider side: the provider's own applications, contracts and orders."""

    permission_required = "providers.access_provider_portal"
    template_name = "providers/portal_home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["providers"] = provider_list_for_user(user=self.request.user)
        return context


class ReviewQueueView(PermissionRequiredMixin, TemplateView):
    """Applications waiting for the reviewer's municipalities, with how long each has waited."""

    permission_required = "providers.review_application"
    template_name = "providers/review_queue.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["applications"] = review_queue(user=self.request.user)
        context["now"] = timezone.now()
        return context


class ExpiringEvidenceView(PermissionRequiredMixin, TemplateView):
    """Evidence of contracted providers that has expired or expires within 30 days."""

    permission_required = "providers.review_application"
    template_name = "providers/expiring_evidence.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context["answers"] = expiring_evidence(today=today, user=self.request.user)
        context["today"] = today
        return context


class ApplicationDetailView(PermissionRequiredMixin, DetailView):
    """One application: for its provider, and for the reviewers of its municipalities."""

    permission_required = "providers.view_application"
    template_name = "providers/application_detail.html"
    context_object_name = "application"

    def get_object(self, queryset=None):
        if not hasattr(self, "_application"):
            self._application = application_get_for_user(
                user=self.request.user, pk=self.kwargs["pk"]
            )
        return self._application

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        application = self.object
        context["answers"] = application.answers.select_related(
            "requirement__section", "document", "assessment__assessed_by"
        ).order_by("requirement__section__ordering", "requirement__ordering")
        context["decisions"] = application.municipalities.select_related("municipality")
        context["completion_requests"] = application.completion_requests.all()
        context["can_review"] = self.request.user.has_perm(
            "providers.review_application", application
        )
        # --- applications ---
        from ..services import EDITABLE_APPLICATION
        from .applications import is_withdrawable

        can_edit = self.request.user.has_perm("providers.edit_application", application)
        context["can_continue"] = can_edit and application.status in EDITABLE_APPLICATION
        context["can_withdraw"] = can_edit and is_withdrawable(application)
        # Reviewers' actions (views/decisions.py post them; a failed form comes back in kwargs).
        context.update(
            reviewer_forms(user=self.request.user, application=application, bound=kwargs)
        )
        context["history"] = (
            application_history(application=application) if context["can_review"] else []
        )
        context["now"] = timezone.now()
        return context


class DecisionLetterView(PermissionRequiredMixin, DetailView):
    """The decision letter PDF, to the provider and the reviewers of the application."""

    permission_required = "providers.view_application"

    def get_permission_object(self):
        return self.get_object().application

    def get_object(self, queryset=None):
        if not hasattr(self, "_decision"):
            self._decision = decision_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        return self._decision

    def get(self, request, *args, **kwargs):
        decision = self.get_object()
        if not decision.letter:
            raise Http404
        audit_log(request, AuditAction.EXPORT, decision, message="decision letter")
        name = f"beslut-{decision.municipality.name.lower()}-{decision.application_id}.pdf"
        return file_response(decision.letter, filename=name, content_type="application/pdf")
