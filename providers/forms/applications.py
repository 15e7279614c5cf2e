"""Forms of the provider's application: the scope step and one step per requirement section.

Both are built from the request version the application answers. Every field is optional: a
step is saved as a draft, and `application_missing` says what is still needed before
submitting.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from lov_portal.core.uploads import DocumentField

from ..constants import CapacityUnit, EvidenceKind


class IsoDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class _StepForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class ApplicationScopeForm(_StepForm):
    """Which of the request's municipalities, services and areas, and a capacity ceiling per
    chosen municipality."""

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.application = application
        version = application.version
        self.municipalities = list(_municipalities_of(version.request).order_by("name"))
        chosen = {am.municipality_id: am for am in application.municipalities.all()}
        fieldsets = []
        for municipality in self.municipalities:
            current = chosen.get(municipality.pk)
            prefix = f"m{municipality.pk}"
            self.fields[f"{prefix}_apply"] = forms.BooleanField(
                label=_("Apply to %(municipality)s") % {"municipality": municipality.name},
                required=False,
                initial=current is not None,
            )
            self.fields[f"{prefix}_capacity"] = forms.IntegerField(
                label=_("Capacity ceiling in %(municipality)s")
                % {"municipality": municipality.name},
                help_text=_("A whole number. Leave empty for no ceiling."),
                min_value=1,
                required=False,
                initial=current.capacity_value if current else None,
            )
            self.fields[f"{prefix}_unit"] = forms.ChoiceField(
                label=_("Unit of the ceiling in %(municipality)s")
                % {"municipality": municipality.name},
                choices=CapacityUnit.choices,
                required=False,
                initial=current.capacity_unit if current else CapacityUnit.HOURS_PER_MONTH,
            )
            fieldsets.append(
                Fieldset(
                    municipality.name,
                    f"{prefix}_apply",
                    f"{prefix}_capacity",
                    f"{prefix}_unit",
                )
            )
        self.fields["service_types"] = forms.ModelMultipleChoiceField(
            label=_("Services"),
            queryset=version.service_types.all(),
            widget=forms.CheckboxSelectMultiple,
            required=False,
            initial=list(application.service_types.values_list("pk", flat=True)),
        )
        self.fields["areas"] = forms.ModelMultipleChoiceField(
            label=_("Areas"),
            help_text=_("Only the areas this request is open for. Choose none for no areas."),
            queryset=version.areas.select_related("municipality").order_by(
                "municipality__name", "name"
            ),
            widget=forms.CheckboxSelectMultiple,
            required=False,
            initial=list(application.areas.values_list("pk", flat=True)),
        )
        self.helper.layout = Layout(
            Fieldset(_("Municipalities and capacity ceilings"), *fieldsets),
            "service_types",
            "areas",
        )

    def clean(self):
        cleaned = super().clean()
        chosen = set()
        for municipality in self.municipalities:
            prefix = f"m{municipality.pk}"
            if cleaned.get(f"{prefix}_apply"):
                chosen.add(municipality.pk)
            elif cleaned.get(f"{prefix}_capacity") is not None:
                self.add_error(
                    f"{prefix}_capacity",
                    _("Tick “Apply to %(municipality)s” or leave the ceiling empty.")
                    % {"municipality": municipality.name},
                )
        outside = [area for area in cleaned.get("areas", []) if area.municipality_id not in chosen]
        if outside:
            self.add_error(
                "areas",
                _("These areas are in a municipality you have not chosen: %(areas)s.")
                % {"areas": ", ".join(area.name for area in outside)},
            )
        return cleaned

    def capacities(self) -> dict:
        """{municipality: (value or None, unit)} for application_scope_save."""
        result = {}
        for municipality in self.municipalities:
            prefix = f"m{municipality.pk}"
            if self.cleaned_data.get(f"{prefix}_apply"):
                result[municipality] = (
                    self.cleaned_data.get(f"{prefix}_capacity"),
                    self.cleaned_data.get(f"{prefix}_unit") or CapacityUnit.HOURS_PER_MONTH,
                )
        return result


def _municipalities_of(request):
    from lov_portal.core.models import Municipality

    return Municipality.objects.filter(pk__in=request.municipality_ids)


def _field(requirement, part: str) -> str:
    return f"r{requirement.pk}_{part}"


class RequirementSectionForm(_StepForm):
    """One input per requirement of a section, by the evidence it needs, plus an expiry date
    where the requirement tracks expiry.

    The form is used field by field: a field that fails (an executable renamed .pdf) does not
    stop the other answers of the same POST from being saved (see `valid_parts`)."""

    def __init__(self, *args, application, section, **kwargs):
        super().__init__(*args, **kwargs)
        self.application = application
        self.section = section
        self.requirements = list(section.requirements.all())
        answers = {
            a.requirement_id: a
            for a in application.answers.filter(requirement__section=section).select_related(
                "document"
            )
        }
        self.answers = answers
        max_mb = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
        fieldsets = []
        for requirement in self.requirements:
            answer = answers.get(requirement.pk)
            names = []
            kind = requirement.evidence_kind
            if kind == EvidenceKind.DECLARATION:
                name = _field(requirement, "declaration")
                self.fields[name] = forms.BooleanField(
                    label=_("Yes, we meet the requirement"),
                    required=False,
                    initial=bool(answer and answer.declaration),
                )
                names.append(name)
            elif kind == EvidenceKind.TEXT:
                name = _field(requirement, "text")
                self.fields[name] = forms.CharField(
                    label=_("Your answer"),
                    widget=forms.Textarea(attrs={"rows": 4}),
                    required=False,
                    initial=answer.text if answer else "",
                )
                names.append(name)
            elif kind == EvidenceKind.DOCUMENT:
                name = _field(requirement, "document")
                self.fields[name] = DocumentField(
                    label=_("Replace the document")
                    if answer and answer.document
                    else _("Document"),
                    help_text=_("PDF, JPEG, PNG or Word (DOCX), at most %(mb)s MB.")
                    % {"mb": max_mb},
                    required=False,
                )
                if answer and answer.document:
                    names.append(HTML(self._current_document(answer.document)))
                names.append(name)
            elif kind == EvidenceKind.DATE:
                name = _field(requirement, "date")
                help_text = (
                    _("At most %(days)s days old when you submit.")
                    % {"days": requirement.max_age_days}
                    if requirement.max_age_days
                    else ""
                )
                self.fields[name] = forms.DateField(
                    label=_("Date of issue"),
                    help_text=help_text,
                    widget=IsoDateInput(),
                    required=False,
                    initial=answer.date if answer else None,
                )
                names.append(name)
            if requirement.tracks_expiry:
                name = _field(requirement, "expires_on")
                self.fields[name] = forms.DateField(
                    label=_("Valid until"),
                    widget=IsoDateInput(),
                    required=False,
                    initial=answer.expires_on if answer else None,
                )
                names.append(name)
            fieldsets.append(Fieldset(requirement.text, *names))
        self.helper.layout = Layout(*fieldsets)

    @staticmethod
    def _current_document(document) -> str:
        return format_html(
            '<p class="mb-2">{} <a href="{}">{}</a></p>',
            _("Uploaded:"),
            reverse("providers:document_download", args=[document.pk]),
            document.original_name,
        )

    def _value(self, requirement, part: str, saved):
        """The cleaned value of a field, or the saved value when that field has an error (so
        nothing already saved is lost)."""
        name = _field(requirement, part)
        if name not in self.fields:
            return None
        if name in self.errors:
            return saved
        return self.cleaned_data.get(name)

    def valid_parts(self):
        """Per requirement, the answer to save: (requirement, kwargs for answer_save, upload).

        Call after is_valid(); fields with errors keep the saved value, so every valid value of
        the POST is saved even when another field was refused."""
        for requirement in self.requirements:
            answer = self.answers.get(requirement.pk)
            kind = requirement.evidence_kind
            kwargs = {}
            if kind == EvidenceKind.DECLARATION:
                kwargs["declaration"] = bool(
                    self._value(requirement, "declaration", answer and answer.declaration)
                )
            elif kind == EvidenceKind.TEXT:
                kwargs["text"] = self._value(requirement, "text", answer.text if answer else "")
            elif kind == EvidenceKind.DATE:
                kwargs["date_value"] = self._value(
                    requirement, "date", answer.date if answer else None
                )
            if requirement.tracks_expiry:
                kwargs["expires_on"] = self._value(
                    requirement, "expires_on", answer.expires_on if answer else None
                )
            upload = None
            if kind == EvidenceKind.DOCUMENT:
                upload = self._value(requirement, "document", None) or None
            if upload is not None or _differs(answer, kwargs):
                yield requirement, kwargs, upload


def _differs(answer, kwargs) -> bool:
    """Whether saving kwargs changes the answer (an unchanged answer keeps its assessment)."""
    if answer is None:
        return any(value not in (None, "", False) for value in kwargs.values())
    current = {
        "declaration": answer.declaration is True,
        "text": answer.text,
        "date_value": answer.date,
        "expires_on": answer.expires_on,
    }
    return any(current[key] != value for key, value in kwargs.items())
