"""Forms for requests for applications: the draft, its sections and its requirements.

Every check a procurement officer can get wrong is made here first, with the message on the
field it concerns; the services check the same rules again.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from lov_portal.core.models import Area, ServiceType
from lov_portal.core.uploads import AllowedKind, DocumentField

from ..constants import EvidenceKind, PaymentBasis
from ..models import RequestForApplications


class AreaChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.municipality.name}: {obj.name}"


class ServiceTypeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class RequestVersionForm(forms.Form):
    """The text and scope of one version: what changes between versions."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the request covers; shown in the announcement."),
    )
    payment_basis = forms.ChoiceField(
        label=_("Payment basis"),
        choices=PaymentBasis.choices,
        widget=forms.RadioSelect,
        help_text=_("Whether providers are paid for granted time or for performed time."),
    )
    service_types = ServiceTypeChoiceField(
        label=_("Services"),
        queryset=ServiceType.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one service.")},
    )
    areas = AreaChoiceField(
        label=_("Areas open for application"),
        queryset=Area.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Only areas of the municipalities that own the request. Leave empty if the "
            "municipality is not divided into areas."
        ),
    )
    document = DocumentField(
        label=_("Full request (PDF)"),
        allowed=[AllowedKind.PDF],
        required=False,
        help_text=_("The complete request for applications as one PDF file."),
    )

    def __init__(self, *args, owner_municipality_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_municipality_ids = set(owner_municipality_ids)
        self.fields["areas"].queryset = Area.objects.filter(
            municipality__in=self.owner_municipality_ids
        ).select_related("municipality")

    def owner_ids(self) -> set[int]:
        return self.owner_municipality_ids

    def clean(self):
        cleaned = super().clean()
        areas = cleaned.get("areas")
        owners = self.owner_ids()
        if areas and owners and any(area.municipality_id not in owners for area in areas):
            self.add_error(
                "areas", _("Choose only areas in the municipalities that own the request.")
            )
        return cleaned


class RequestCreateForm(RequestVersionForm):
    """A new request: its reference and owner, and the text of its first version."""

    reference = forms.CharField(
        label=_("Reference"),
        max_length=50,
        help_text=_("The municipality's reference number, e.g. SN 2026/123."),
    )
    owner = forms.ChoiceField(
        label=_("Owner"),
        help_text=_("One municipality, or a cooperation that publishes the request together."),
    )

    field_order = ["reference", "title", "owner"]

    def __init__(self, *args, municipalities=(), cooperations=(), **kwargs):
        self.owner_options = {}
        for municipality in municipalities:
            self.owner_options[f"m-{municipality.pk}"] = (municipality, {municipality.pk})
        for cooperation in cooperations:
            ids = {m.pk for m in cooperation.municipalities.all()}
            self.owner_options[f"c-{cooperation.pk}"] = (cooperation, ids)
        all_ids = set().union(*(ids for _obj, ids in self.owner_options.values()))
        super().__init__(*args, owner_municipality_ids=all_ids, **kwargs)
        choices = [("", "---------")]
        municipality_choices = [
            (k, o.name) for k, (o, _ids) in self.owner_options.items() if k[0] == "m"
        ]
        cooperation_choices = [
            (k, o.name) for k, (o, _ids) in self.owner_options.items() if k[0] == "c"
        ]
        if municipality_choices:
            choices.append((_("Municipality"), municipality_choices))
        if cooperation_choices:
            choices.append((_("Cooperation"), cooperation_choices))
        self.fields["owner"].choices = choices

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        if RequestForApplications.objects.filter(reference__iexact=reference).exists():
            raise forms.ValidationError(
                _("A request with this reference already exists."), code="unique"
            )
        return reference

    def owner_ids(self) -> set[int]:
        option = self.owner_options.get(self.cleaned_data.get("owner") or "")
        return option[1] if option else set()

    def owner_kwargs(self) -> dict:
        owner = self.owner_options[self.cleaned_data["owner"]][0]
        key = "owner_municipality" if self.cleaned_data["owner"][0] == "m" else "owner_cooperation"
        return {key: owner}


class RequirementSectionForm(forms.Form):
    title = forms.CharField(
        label=_("Section title"),
        max_length=200,
        help_text=_("E.g. Company and finances, Staff and competence."),
    )


class RequirementForm(forms.Form):
    text = forms.CharField(
        label=_("Requirement"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The mandatory requirement, as the provider will read it."),
    )
    evidence_kind = forms.ChoiceField(
        label=_("Evidence"),
        choices=EvidenceKind.choices,
        widget=forms.RadioSelect,
        help_text=_("What the provider gives to show the requirement is met."),
    )
    max_age_days = forms.IntegerField(
        label=_("Maximum age in days"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_(
            "Only for date evidence: how old the date may be when the application is "
            "submitted, e.g. 60 for a tax certificate (SKV 4820)."
        ),
    )
    tracks_expiry = forms.BooleanField(
        label=_("The evidence has an expiry date"),
        required=False,
        help_text=_("The provider states until when it is valid, e.g. an insurance or a permit."),
    )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("evidence_kind")
        if cleaned.get("max_age_days") is not None and kind and kind != EvidenceKind.DATE:
            self.add_error(
                "max_age_days",
                _(
                    "A maximum age applies only to date evidence. Choose date evidence or leave "
                    "this empty."
                ),
            )
        return cleaned


class ConfirmForm(forms.Form):
    """An empty form: the confirmation page's button posts it."""
