"""The provider's online application: open requests, a multi-step draft, submission,
completion (komplettering), withdrawal, and document downloads.

Every step is a plain form POST that saves a draft through the services and redirects; nothing
needs JavaScript. The services refuse changes to a submitted application; the views send the
provider to the read-only application page instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from rules.contrib.views import PermissionRequiredMixin

from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_log
from lov_portal.core.uploads import file_response

from .. import services
from ..constants import APPLICATION_TRANSITIONS, ApplicationStatus
from ..forms.applications import ApplicationScopeForm, RequirementSectionForm
from ..models import Application
from ..selectors import (
    application_get_for_provider_user,
    application_list_for_provider_user,
    document_get_for_user,
    provider_list_for_user,
    request_version_get_open,
    request_version_list_open,
)


@dataclass(frozen=True)
class Step:
    title: str
    url: str
    complete: bool
    key: str


def application_steps(application: Application, problems) -> list[Step]:
    """The steps of the form in order, each marked complete when nothing is missing there."""
    failing = {problem.section_id for problem in problems}
    steps = [
        Step(
            _("Scope"),
            reverse("providers:application_scope", args=[application.pk]),
            None not in failing,
            "scope",
        )
    ]
    for section in application.version.sections.all():
        steps.append(
            Step(
                section.title,
                reverse("providers:application_section", args=[application.pk, section.pk]),
                section.pk not in failing,
                f"section-{section.pk}",
            )
        )
    steps.append(
        Step(
            _("Review and submit"),
            reverse("providers:application_submit", args=[application.pk]),
            not problems,
            "submit",
        )
    )
    return steps


def _first_open_step_url(application: Application) -> str:
    steps = application_steps(application, services.application_problems(application))
    for step in steps:
        if not step.complete:
            return step.url
    return steps[-1].url


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def is_withdrawable(application: Application) -> bool:
    return ApplicationStatus.WITHDRAWN in APPLICATION_TRANSITIONS.get(application.status, set())


# --- Lists and starting an application ------------------------------------------------------


class ApplicationListView(PermissionRequiredMixin, TemplateView):
    """Open requests for applications the provider can apply to, and its own applications."""

    permission_required = "providers.access_provider_portal"
    template_name = "providers/applications/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        providers = list(provider_list_for_user(user=user))
        applications = list(
            application_list_for_provider_user(user=user).order_by("-created_at", "-pk")
        )
        open_by_key = {
            (a.provider_id, a.version_id): a
            for a in applications
            if a.status != ApplicationStatus.WITHDRAWN
        }
        rows = []
        for version in request_version_list_open():
            rows.append(
                {
                    "version": version,
                    "choices": [
                        (provider, open_by_key.get((provider.pk, version.pk)))
                        for provider in providers
                    ],
                }
            )
        context.update(
            providers=providers,
            open_requests=rows,
            applications=applications,
            editable=services.EDITABLE_APPLICATION,
        )
        return context


class ApplicationStartView(PermissionRequiredMixin, View):
    """Start an application to the current published version, or continue the open one."""

    permission_required = "providers.edit_application"
    http_method_names = ["post"]

    def post(self, request, version_pk):
        version = request_version_get_open(pk=version_pk)
        provider = (
            provider_list_for_user(user=request.user)
            .filter(pk=_int_or_none(request.POST.get("provider")))
            .first()
        )
        if provider is None:
            raise Http404
        try:
            application = services.application_start(
                provider=provider, version=version, actor=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("providers:application_list")
        if application.status in services.EDITABLE_APPLICATION:
            return redirect(_first_open_step_url(application))
        return redirect("providers:application_detail", application.pk)


# --- The steps ------------------------------------------------------------------------------


class _ApplicationMixin:
    """The application of one of the user's providers (others: 404). Put after
    PermissionRequiredMixin, which checks `providers.edit_application` on it first."""

    def get_object(self):
        if not hasattr(self, "_application"):
            self._application = application_get_for_provider_user(
                user=self.request.user, pk=self.kwargs["pk"]
            )
        return self._application

    @property
    def application(self) -> Application:
        return self.get_object()


class _EditableStepMixin(_ApplicationMixin):
    """A step of a draft (or of an application the municipality asked to complete)."""

    step_key = ""

    def dispatch(self, request, *args, **kwargs):
        if self.application.status not in services.EDITABLE_APPLICATION:
            messages.info(
                request,
                _("This application has been submitted; its answers can no longer be changed."),
            )
            return redirect("providers:application_detail", self.application.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        problems = services.application_problems(self.application)
        steps = application_steps(self.application, problems)
        context.update(
            application=self.application,
            steps=steps,
            current_step=self.step_key,
            completion_request=_open_completion_request(self.application),
        )
        return context

    def _after_save_url(self) -> str:
        if "continue" in self.request.POST:
            steps = application_steps(
                self.application, services.application_problems(self.application)
            )
            keys = [step.key for step in steps]
            if self.step_key in keys and keys.index(self.step_key) + 1 < len(steps):
                return steps[keys.index(self.step_key) + 1].url
        return self.request.path


def _open_completion_request(application: Application):
    if application.status != ApplicationStatus.COMPLETION_REQUESTED:
        return None
    return application.completion_requests.first()


class ApplicationScopeView(PermissionRequiredMixin, _EditableStepMixin, FormView):
    """Step 1: municipalities with a capacity ceiling each, services and areas."""

    permission_required = "providers.edit_application"

    template_name = "providers/applications/scope.html"
    form_class = ApplicationScopeForm
    step_key = "scope"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "application": self.application}

    def form_valid(self, form):
        try:
            services.application_scope_save(
                application=self.application,
                capacities=form.capacities(),
                service_types=form.cleaned_data["service_types"],
                areas=form.cleaned_data["areas"],
                actor=self.request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The scope has been saved."))
        return redirect(self._after_save_url())


class ApplicationSectionView(PermissionRequiredMixin, _EditableStepMixin, FormView):
    """One step per requirement section: an answer with evidence for every requirement.

    A refused field (a file that is not what it claims to be, an impossible date) does not
    cost the provider the rest of the POST: every other valid answer is saved, and the page is
    shown again with the refused field marked."""

    permission_required = "providers.edit_application"

    template_name = "providers/applications/section.html"
    form_class = RequirementSectionForm

    @property
    def section(self):
        if not hasattr(self, "_section"):
            self._section = get_object_or_404(
                self.application.version.sections, pk=self.kwargs["section_pk"]
            )
        return self._section

    @property
    def step_key(self):
        return f"section-{self.section.pk}"

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "application": self.application,
            "section": self.section,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        form.is_valid()
        self._save_valid_parts(form)
        if not form.errors:
            messages.success(request, _("Your answers have been saved."))
            return redirect(self._after_save_url())
        # Shown again from the database (with the files just stored) and the POST, with the
        # refused fields marked.
        shown = self.form_class(
            data=request.POST, application=self.application, section=self.section
        )
        shown.is_valid()
        for name, errors in form.errors.items():
            if name not in shown.errors:
                shown.add_error(None if name == NON_FIELD_ERRORS else name, errors.as_data())
        messages.warning(
            request,
            _("Everything else on this page has been saved. Correct the marked fields."),
        )
        return self.render_to_response(self.get_context_data(form=shown))

    def _save_valid_parts(self, form) -> None:
        for requirement, kwargs, upload in form.valid_parts():
            try:
                with transaction.atomic():
                    document = None
                    if upload is not None:
                        document = services.document_store(
                            provider=self.application.provider,
                            uploaded_file=upload,
                            actor=self.request.user,
                        )
                    services.answer_save(
                        application=self.application,
                        requirement=requirement,
                        document=document,
                        actor=self.request.user,
                        **kwargs,
                    )
            except ValidationError as error:
                form.add_error(None, error)


class CompletionReplyForm(forms.Form):
    reply = forms.CharField(
        label=gettext_lazy("Your reply to the municipality"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Say what you have changed or added."),
    )


class ApplicationSubmitView(PermissionRequiredMixin, _EditableStepMixin, TemplateView):
    """Last step: everything still missing, each with a link to its step; submit when
    complete. After a completion request: reply to the municipality and resubmit."""

    permission_required = "providers.edit_application"

    template_name = "providers/applications/submit.html"
    step_key = "submit"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        problems = services.application_problems(self.application)
        urls = {step.key: step.url for step in context["steps"]}
        context["problems"] = [
            (
                problem.message,
                urls["scope" if problem.section_id is None else f"section-{problem.section_id}"],
            )
            for problem in problems
        ]
        completion = context["completion_request"]
        if completion is not None and "reply_form" not in context:
            context["reply_form"] = CompletionReplyForm(initial={"reply": completion.reply})
        return context

    def post(self, request, *args, **kwargs):
        application = self.application
        completion = _open_completion_request(application)
        if completion is not None:
            reply_form = CompletionReplyForm(request.POST)
            if not reply_form.is_valid():
                return self.render_to_response(self.get_context_data(reply_form=reply_form))
            services.completion_request_reply(
                completion_request=completion,
                reply=reply_form.cleaned_data["reply"],
                actor=request.user,
            )
        if services.application_missing(application):
            if completion is not None:
                messages.info(request, _("Your reply has been saved."))
            messages.error(
                request, _("The application is not complete yet. See what is missing below.")
            )
            return redirect("providers:application_submit", application.pk)
        try:
            services.application_submit(application=application, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("providers:application_submit", application.pk)
        messages.success(
            request,
            _("The application has been resubmitted.")
            if completion is not None
            else _("The application has been submitted."),
        )
        return redirect("providers:application_detail", application.pk)


class ApplicationWithdrawView(PermissionRequiredMixin, _ApplicationMixin, TemplateView):
    """Withdraw the application, after a confirmation."""

    permission_required = "providers.edit_application"

    template_name = "providers/applications/withdraw.html"

    def get(self, request, *args, **kwargs):
        if not is_withdrawable(self.application):
            messages.info(request, _("This application can no longer be withdrawn."))
            return redirect("providers:application_detail", self.application.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(application=self.application, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            services.application_withdraw(application=self.application, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("providers:application_detail", self.application.pk)
        messages.success(request, _("The application has been withdrawn."))
        return redirect("providers:application_list")


# --- Documents ------------------------------------------------------------------------------


class DocumentDownloadView(PermissionRequiredMixin, View):
    """A document, to users of its provider and to reviewers of an application that uses it
    as evidence; to anyone else the same 404 as for a missing document."""

    permission_required = "providers.view_application"

    def get_permission_object(self):
        # The role is checked here; the selector scopes the document itself.
        return None

    def get(self, request, pk):
        document = document_get_for_user(user=request.user, pk=pk)
        audit_log(request, AuditAction.EXPORT, document, message="document")
        return file_response(
            document.file, filename=document.original_name, content_type=document.content_type
        )
