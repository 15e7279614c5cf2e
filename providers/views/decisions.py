"""Reviewers' actions on an application: start the review, assess the requirements, ask for
completion, and each municipality's board decision.

Each action is a plain form POST from the application page (no JavaScript). On success it
redirects back with a message; a form with errors is shown again on the application page with
the reviewer's input kept and the errors at the fields.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .. import services
from ..forms.decisions import AssessmentsForm, CompletionRequestForm, DecisionForm
from ..selectors import decision_get_for_user
from .review import ApplicationDetailView


class ApplicationActionView(ApplicationDetailView):
    """POST only; renders the application page again when the form has errors."""

    http_method_names = ["post"]
    permission_required = "providers.review_application"

    def done(self, message: str):
        messages.success(self.request, message)
        return redirect("providers:review_detail", self.get_object().pk)

    def refused(self, error: ValidationError):
        for text in error.messages:
            messages.error(self.request, text)
        return redirect("providers:review_detail", self.get_object().pk)

    def form_invalid(self, **forms):
        self.object = self.get_object()
        return self.render_to_response(self.get_context_data(**forms))


class ReviewStartView(ApplicationActionView):
    def post(self, request, *args, **kwargs):
        try:
            services.application_review_start(application=self.get_object(), actor=request.user)
        except ValidationError as error:
            return self.refused(error)
        return self.done(_("The review has started."))


class AssessmentRecordView(ApplicationActionView):
    """Met / not met with a comment for all requirements at once."""

    def post(self, request, *args, **kwargs):
        application = self.get_object()
        answers = application.answers.select_related(
            "requirement__section", "document", "assessment__assessed_by"
        ).order_by("requirement__section__ordering", "requirement__ordering", "pk")
        form = AssessmentsForm(request.POST, answers=answers)
        if not form.is_valid():
            return self.form_invalid(assessment_form=form)
        try:
            recorded = services.assessments_record(
                application=application, assessments=form.assessments(), actor=request.user
            )
        except ValidationError as error:
            return self.refused(error)
        return self.done(
            _("%(count)s assessments saved.") % {"count": len(recorded)}
            if recorded
            else _("No assessment was changed.")
        )


class CompletionRequestCreateView(ApplicationActionView):
    """Ask the provider for more; the provider gets the message by e-mail and in the portal."""

    def post(self, request, *args, **kwargs):
        form = CompletionRequestForm(request.POST)
        if not form.is_valid():
            return self.form_invalid(completion_form=form)
        try:
            services.completion_request_create(
                application=self.get_object(),
                message=form.cleaned_data["message"],
                actor=request.user,
            )
        except ValidationError as error:
            return self.refused(error)
        return self.done(_("The provider has been asked to complete the application."))


class DecisionRecordView(ApplicationActionView):
    """One municipality's board decides: only that municipality's board reviewers may."""

    permission_required = "providers.decide_application"

    def get_decision(self):
        if not hasattr(self, "_decision"):
            self._decision = decision_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        return self._decision

    def get_object(self, queryset=None):
        return self.get_decision().application

    def get_permission_object(self):
        return self.get_decision()

    def post(self, request, *args, **kwargs):
        decision = self.get_decision()
        form = DecisionForm(request.POST, decision=decision)
        if not form.is_valid():
            return self.form_invalid(decision_form=form)
        try:
            services.application_decide(
                application_municipality=decision,
                approve=form.approve,
                decision_date=form.cleaned_data["decision_date"],
                board_reference=form.cleaned_data["board_reference"],
                reasons=form.cleaned_data["reasons"],
                actor=request.user,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form.add_error(None, error)
                return self.form_invalid(decision_form=form)
            return self.refused(error)
        return self.done(
            _(
                "The decision for %(municipality)s is recorded. "
                "The decision letter is being generated."
            )
            % {"municipality": decision.municipality.name}
        )
