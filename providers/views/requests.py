"""Requests for applications (förfrågningsunderlag): the procurement officer's pages.

Drafts are written, versioned, published and closed here; every page looks its object up
through a selector scoped to the officer's municipalities (others get 404) and checks
`providers.manage_request` against it. The announcement export (JSON and a print page) is
public for published requests: see docs/valfrihetswebben-export.md.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_log
from lov_portal.core.forms import apply_errors
from lov_portal.core.uploads import AllowedKind, file_response, safe_filename

from .. import selectors, services
from ..constants import VersionStatus
from ..forms.requests import (
    ConfirmForm,
    RequestCreateForm,
    RequestVersionForm,
    RequirementForm,
    RequirementSectionForm,
)

MANAGE = "providers.manage_request"


def _refusal_messages(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


# --- List and create -------------------------------------------------------------------------


class RequestListView(PermissionRequiredMixin, TemplateView):
    """The requests the officer's municipalities own, alone or in a cooperation."""

    permission_required = MANAGE
    template_name = "providers/requests/request_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = []
        for request in selectors.request_list_for_user(user=self.request.user):
            versions = list(request.versions.all())
            rows.append(
                {
                    "request": request,
                    "published": next(
                        (v for v in versions if v.status == VersionStatus.PUBLISHED), None
                    ),
                    "current": versions[0] if versions else None,
                }
            )
        context["rows"] = rows
        return context


class RequestCreateView(PermissionRequiredMixin, FormView):
    permission_required = MANAGE
    template_name = "providers/requests/request_form.html"
    form_class = RequestCreateForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        municipalities, cooperations = selectors.request_owner_choices(user=self.request.user)
        kwargs.update(municipalities=municipalities, cooperations=cooperations)
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            request = services.request_draft_create(
                reference=data["reference"],
                title=data["title"],
                description=data["description"],
                payment_basis=data["payment_basis"],
                service_types=data["service_types"],
                areas=data["areas"],
                document=data["document"],
                actor=self.request.user,
                **form.owner_kwargs(),
            )
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The request was created as a draft."))
        return redirect("providers:request_detail", request.pk)


# --- Detail --------------------------------------------------------------------------------


class RequestObjectMixin(PermissionRequiredMixin):
    """The request of the URL, looked up within the officer's scope (404 otherwise)."""

    permission_required = MANAGE

    def get_object(self, queryset=None):
        if not hasattr(self, "_object"):
            self._object = selectors.request_get_for_user(
                user=self.request.user, pk=self.kwargs["pk"]
            )
        return self._object


class RequestDetailView(RequestObjectMixin, DetailView):
    template_name = "providers/requests/request_detail.html"
    context_object_name = "rfa"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        versions = list(self.object.versions.all())
        draft = next((v for v in versions if v.status == VersionStatus.DRAFT), None)
        published = next((v for v in versions if v.status == VersionStatus.PUBLISHED), None)
        shown = draft or published or (versions[0] if versions else None)
        context.update(
            versions=versions,
            draft=draft,
            published=published,
            shown=shown,
            sections=shown.sections.prefetch_related("requirements") if shown else [],
            editable=shown is not None and shown.status == VersionStatus.DRAFT,
        )
        return context


# --- Editing a draft version -----------------------------------------------------------------


class DraftFormView(PermissionRequiredMixin, FormView):
    """A form on a part of a draft version. A published version is never edited: the page
    sends the officer back to the request with the reason."""

    permission_required = MANAGE
    template_name = "providers/requests/edit_form.html"
    heading = ""

    def version(self):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        refused = self._refused()
        return refused or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        refused = self._refused()
        return refused or super().post(request, *args, **kwargs)

    def _refused(self):
        version = self.version()
        if version.status != VersionStatus.DRAFT:
            messages.error(
                self.request,
                _("A published version cannot be changed. Create a new version instead."),
            )
            return redirect("providers:request_detail", version.request_id)
        return None

    def get_success_url(self):
        return reverse("providers:request_detail", args=[self.version().request_id])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(heading=self.heading, version=self.version(), rfa=self.version().request)
        return context

    def run(self, form) -> str:
        """Call the service; return the confirmation message."""
        raise NotImplementedError

    def form_valid(self, form):
        try:
            message = self.run(form)
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(self.get_success_url())


class VersionObjectMixin:
    def get_object(self):
        if not hasattr(self, "_object"):
            self._object = selectors.request_version_get_for_user(
                user=self.request.user, pk=self.kwargs["pk"]
            )
        return self._object

    def version(self):
        return self.get_object()


class SectionObjectMixin:
    def get_object(self):
        if not hasattr(self, "_object"):
            self._object = selectors.requirement_section_get_for_user(
                user=self.request.user, pk=self.kwargs["pk"]
            )
        return self._object

    def version(self):
        return self.get_object().version

    def get_permission_object(self):
        return self.version()


class RequirementObjectMixin:
    def get_object(self):
        if not hasattr(self, "_object"):
            self._object = selectors.requirement_get_for_user(
                user=self.request.user, pk=self.kwargs["pk"]
            )
        return self._object

    def version(self):
        return self.get_object().section.version

    def get_permission_object(self):
        return self.version()


class RequestVersionEditView(VersionObjectMixin, DraftFormView):
    form_class = RequestVersionForm
    template_name = "providers/requests/version_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["owner_municipality_ids"] = self.version().request.municipality_ids
        return kwargs

    def get_initial(self):
        version = self.version()
        return {
            "title": version.title,
            "description": version.description,
            "payment_basis": version.payment_basis,
            "service_types": list(version.service_types.all()),
            "areas": list(version.areas.all()),
        }

    def run(self, form):
        data = form.cleaned_data
        services.request_version_update(
            version=self.version(),
            title=data["title"],
            description=data["description"],
            payment_basis=data["payment_basis"],
            service_types=data["service_types"],
            areas=data["areas"],
            document=data["document"],
            actor=self.request.user,
        )
        return _("The draft was saved.")


class RequirementSectionAddView(VersionObjectMixin, DraftFormView):
    form_class = RequirementSectionForm

    @property
    def heading(self):
        return _("New requirement section")

    def run(self, form):
        services.requirement_section_add(
            version=self.version(), title=form.cleaned_data["title"], actor=self.request.user
        )
        return _("The section was added.")


class RequirementSectionEditView(SectionObjectMixin, DraftFormView):
    form_class = RequirementSectionForm

    @property
    def heading(self):
        return _("Change requirement section")

    def get_initial(self):
        return {"title": self.get_object().title}

    def run(self, form):
        services.requirement_section_update(
            section=self.get_object(), title=form.cleaned_data["title"], actor=self.request.user
        )
        return _("The section was saved.")


class RequirementAddView(SectionObjectMixin, DraftFormView):
    form_class = RequirementForm

    @property
    def heading(self):
        return _("New requirement in “%(section)s”") % {"section": self.get_object().title}

    def run(self, form):
        services.requirement_add(
            section=self.get_object(), actor=self.request.user, **form.cleaned_data
        )
        return _("The requirement was added.")


class RequirementEditView(RequirementObjectMixin, DraftFormView):
    form_class = RequirementForm

    @property
    def heading(self):
        return _("Change requirement")

    def get_initial(self):
        requirement = self.get_object()
        return {name: getattr(requirement, name) for name in RequirementForm.base_fields}

    def run(self, form):
        services.requirement_update(
            requirement=self.get_object(), actor=self.request.user, **form.cleaned_data
        )
        return _("The requirement was saved.")


# --- Actions: a confirmation page, then a POST ------------------------------------------------


class ConfirmActionView(PermissionRequiredMixin, FormView):
    """GET shows what the action does and a button; POST runs it. A refusal is shown as a
    message on the request's page."""

    permission_required = MANAGE
    template_name = "providers/requests/confirm.html"
    form_class = ConfirmForm
    heading = ""
    explanation = ""
    button = ""
    button_class = "btn-primary"

    def rfa(self):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            heading=self.heading,
            explanation=self.explanation,
            button=self.button,
            button_class=self.button_class,
            rfa=self.rfa(),
        )
        return context

    def form_valid(self, form):
        try:
            message = self.run()
        except ValidationError as error:
            for text in _refusal_messages(error):
                messages.error(self.request, text)
            return redirect("providers:request_detail", self.rfa().pk)
        messages.success(self.request, message)
        return redirect(self.success_url_for())

    def success_url_for(self):
        return reverse("providers:request_detail", args=[self.rfa().pk])


class RequestVersionPublishView(VersionObjectMixin, ConfirmActionView):
    @property
    def heading(self):
        return _("Publish version %(number)s") % {"number": self.get_object().number}

    @property
    def explanation(self):
        if self.get_object().number == 1:
            return _(
                "The request is published and providers can apply from now on, continuously. "
                "A published version can no longer be changed."
            )
        return _(
            "This version replaces the published one. New applications answer this version; "
            "applications already started keep the version they answered. A published version "
            "can no longer be changed."
        )

    @property
    def button(self):
        return _("Publish")

    def rfa(self):
        return self.get_object().request

    def run(self):
        services.request_version_publish_any(version=self.get_object(), actor=self.request.user)
        return _("Version %(number)s is published.") % {"number": self.get_object().number}


class RequestVersionCreateView(RequestObjectMixin, ConfirmActionView):
    @property
    def heading(self):
        return _("Create a new version")

    @property
    def explanation(self):
        return _(
            "A new draft version is made as a copy of the published one. Change it and publish "
            "it when it is ready; until then the published version stays in force."
        )

    @property
    def button(self):
        return _("Create a new version")

    def rfa(self):
        return self.get_object()

    def run(self):
        version = services.request_version_create(
            request=self.get_object(), actor=self.request.user
        )
        return _("Version %(number)s was created as a draft.") % {"number": version.number}


class RequestCloseView(RequestObjectMixin, ConfirmActionView):
    button_class = "btn-danger"

    @property
    def heading(self):
        return _("Close the request")

    @property
    def explanation(self):
        return _(
            "No new applications can be made. Applications already made and contracts are not "
            "affected. Remember to remove the announcement on Hitta LOV-uppdrag. Closing cannot "
            "be undone."
        )

    @property
    def button(self):
        return _("Close the request")

    def rfa(self):
        return self.get_object()

    def run(self):
        services.request_close(request=self.get_object(), actor=self.request.user)
        return _("The request is closed.")


class RequirementSectionDeleteView(SectionObjectMixin, ConfirmActionView):
    button_class = "btn-danger"

    @property
    def heading(self):
        return _("Delete the section “%(section)s”") % {"section": self.get_object().title}

    @property
    def explanation(self):
        return _("The section and all its requirements are deleted from the draft.")

    @property
    def button(self):
        return _("Delete")

    def rfa(self):
        return self.version().request

    def run(self):
        services.requirement_section_delete(section=self.get_object(), actor=self.request.user)
        return _("The section was deleted.")


class RequirementDeleteView(RequirementObjectMixin, ConfirmActionView):
    button_class = "btn-danger"

    @property
    def heading(self):
        return _("Delete the requirement")

    @property
    def explanation(self):
        return _("The requirement is deleted from the draft.")

    @property
    def button(self):
        return _("Delete")

    def rfa(self):
        return self.version().request

    def run(self):
        services.requirement_delete(requirement=self.get_object(), actor=self.request.user)
        return _("The requirement was deleted.")


# --- The full request PDF --------------------------------------------------------------------


class RequestDocumentView(PermissionRequiredMixin, DetailView):
    """The full request as a PDF. A version that is or was published: anyone with a role in
    the portal (providers included). A draft: only the owners' procurement officers."""

    # Any role; drafts are narrowed by the selector (the same 404 as a missing file).
    permission_required = "core.view_workspace"

    def get_permission_object(self):
        return None

    def get_object(self, queryset=None):
        return selectors.request_version_document_get(user=self.request.user, pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        version = self.get_object()
        audit_log(request, AuditAction.EXPORT, version, message="request document")
        name = safe_filename(
            f"forfragningsunderlag-{version.request.reference}-v{version.number}", AllowedKind.PDF
        )
        return file_response(version.document, filename=name, content_type="application/pdf")


# --- The announcement on Hitta LOV-uppdrag (Valfrihetswebben) --------------------------------

EXPORT_FORMAT = "lov-portalen/announcement"
EXPORT_FORMAT_VERSION = 1


def _absolute(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def announcement_data(version) -> dict:
    """What the national announcement needs, from a published version (docs/
    valfrihetswebben-export.md). Labels are in Swedish, the announcement's language."""
    request = version.request
    if request.owner_municipality_id:
        municipalities = [request.owner_municipality]
        cooperation = None
    else:
        cooperation = request.owner_cooperation
        municipalities = list(cooperation.municipalities.all())
    with translation.override("sv"):
        return {
            "format": EXPORT_FORMAT,
            "format_version": EXPORT_FORMAT_VERSION,
            "legal_basis": "SFS 2008:962",
            "reference": request.reference,
            "title": version.title,
            "description": version.description,
            "contracting_authorities": [
                {
                    "name": m.organisation,
                    "municipality_code": m.code,
                    # The Municipality model has no organisation number yet.
                    "organisation_number": None,
                }
                for m in sorted(municipalities, key=lambda m: m.code)
            ],
            "joint_procurement": (
                {"cooperation": cooperation.name} if cooperation is not None else None
            ),
            "service_types": [
                {"code": s.code, "name": s.name}
                for s in sorted(version.service_types.all(), key=lambda s: s.code)
            ],
            "geography": {
                "municipalities": [
                    {"name": m.name, "municipality_code": m.code}
                    for m in sorted(municipalities, key=lambda m: m.code)
                ],
                "areas": [
                    {"name": a.name, "municipality_code": a.municipality.code}
                    for a in sorted(
                        version.areas.all(), key=lambda a: (a.municipality.code, a.name)
                    )
                ],
                "whole_municipalities": not version.areas.exists(),
            },
            "payment_basis": version.payment_basis,
            "payment_basis_label": str(version.get_payment_basis_display()),
            "version": version.number,
            "published_at": version.published_at.isoformat() if version.published_at else None,
            "published_on": (
                timezone.localdate(version.published_at).isoformat()
                if version.published_at
                else None
            ),
            "applications_accepted": "continuously",
            "last_application_date": None,
            "request_document_url": (
                _absolute(reverse("providers:request_document", args=[version.pk]))
                if version.document
                else None
            ),
            "announcement_url": _absolute(
                reverse("providers:request_announcement", args=[request.pk])
            ),
            "application_url": _absolute(reverse("providers:portal")),
            "contact": {"url": settings.PORTAL_BASE_URL},
            "requirement_sections": [
                {
                    "title": section.title,
                    "requirements": [
                        {
                            "text": r.text,
                            "evidence": r.evidence_kind,
                            "evidence_label": str(r.get_evidence_kind_display()),
                            "max_age_days": r.max_age_days,
                            "tracks_expiry": r.tracks_expiry,
                        }
                        for r in section.requirements.all()
                    ],
                }
                for section in version.sections.all()
            ],
        }


@method_decorator(login_not_required, name="dispatch")
class RequestAnnouncementJsonView(DetailView):
    """Public: the announcement of a published request as JSON (drafts and closed ones 404)."""

    def get_object(self, queryset=None):
        return selectors.request_published_get(pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        data = announcement_data(self.get_object())
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})


@method_decorator(login_not_required, name="dispatch")
class RequestAnnouncementView(DetailView):
    """Public: a print-friendly page with the same content as the JSON."""

    template_name = "providers/requests/announcement.html"
    context_object_name = "version"

    def get_object(self, queryset=None):
        return selectors.request_published_get(pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["data"] = announcement_data(self.object)
        return context
