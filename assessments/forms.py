"""Forms of the needs assessment app."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lov_portal.core.identity import parse_identity_number
from lov_portal.core.selectors import service_type_list
from lov_portal.core.validators import validate_postal_code

from .constants import ChangeReason, ContactRelation, GrantUnit, HelpedBy, LegalBasis


class IdentityNumberField(forms.CharField):
    """Personnummer or samordningsnummer; cleaned to 12 digits, with a Swedish message that
    says what is wrong (format, date or check digit)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Personal identity number"))
        kwargs.setdefault("help_text", _("Personnummer or samordningsnummer, e.g. 19121212-1212."))
        kwargs.setdefault("max_length", 15)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return parse_identity_number(value).digits if value else value


class CitizenSearchForm(forms.Form):
    identity_number = IdentityNumberField()


class CitizenForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    street_address = forms.CharField(label=_("Street address"), max_length=200, required=False)
    postal_code = forms.CharField(
        label=_("Postal code"), max_length=6, required=False, validators=[validate_postal_code]
    )
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    phone = forms.CharField(label=_("Telephone"), max_length=30, required=False)
    protected_identity = forms.BooleanField(
        label=_("Protected identity (skyddad identitet)"),
        required=False,
        help_text=_(
            "The address and contact persons are then shown only to users explicitly allowed."
        ),
    )

    def __init__(self, *args, hide_address=False, **kwargs):
        super().__init__(*args, **kwargs)
        if hide_address:
            for name in ("street_address", "postal_code", "city", "phone"):
                del self.fields[name]


class CitizenRegisterForm(CitizenForm):
    identity_number = IdentityNumberField()
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None)

    field_order = ["identity_number", "municipality", "first_name", "last_name"]

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        if municipalities.count() == 1:
            self.fields["municipality"].initial = municipalities.get()
            self.fields["municipality"].widget = forms.HiddenInput()


class ContactPersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    relation = forms.ChoiceField(label=_("Relation"), choices=ContactRelation.choices)
    phone = forms.CharField(label=_("Telephone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DecisionForm(forms.Form):
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_to = forms.DateField(
        label=_("Valid to"),
        widget=DateInput(),
        required=False,
        help_text=_("Leave empty for a decision until further notice."),
    )
    reasons = forms.CharField(
        label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class GrantedServiceForm(forms.Form):
    service_type = forms.ModelChoiceField(
        label=_("Service"), queryset=service_type_list(), required=False
    )
    granted_hours = forms.DecimalField(
        label=_("Granted hours"), max_digits=6, decimal_places=2, min_value=0.25, required=False
    )
    unit = forms.ChoiceField(label=_("Per"), choices=GrantUnit.choices)

    def clean(self):
        data = super().clean()
        if data.get("service_type") and data.get("granted_hours") is None:
            self.add_error("granted_hours", _("Give the granted hours for this service."))
        if data.get("granted_hours") is not None and not data.get("service_type"):
            self.add_error("service_type", _("Choose the service these hours are for."))
        return data


GrantedServiceFormSet = forms.formset_factory(GrantedServiceForm, extra=0, min_num=3)


class DecideForm(forms.Form):
    decision_date = forms.DateField(label=_("Decision date"), widget=DateInput())


class EndDecisionForm(forms.Form):
    ended_on = forms.DateField(label=_("Last day of the decision"), widget=DateInput())


class ChoiceForm(forms.Form):
    provider = forms.TypedChoiceField(label=_("Provider chosen"), coerce=int)
    helped_by = forms.ChoiceField(label=_("Who helped choose"), choices=HelpedBy.choices)
    chosen_on = forms.DateField(label=_("Date of the choice"), widget=DateInput())

    change_reason = forms.ChoiceField(
        label=_("Reason for changing provider"),
        choices=[("", "---------"), *ChangeReason.choices],
        help_text=_("The citizen needs no reason to change; then choose “No reason given”."),
    )
    change_reason_text = forms.CharField(
        label=_("The reason in the citizen's words (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the reason is “Other reason”. No sensitive details."),
    )

    def __init__(self, *args, providers, service, is_change=False, **kwargs):
        """is_change: the citizen already has a provider for this service, so this choice is a
        change of provider and its reason is asked for."""
        kwargs.setdefault("prefix", f"choice-{service.pk}")
        super().__init__(*args, **kwargs)
        self.service = service
        self.is_change = is_change
        self.providers = {p.pk: p for p in providers}
        self.fields["provider"].choices = [("", "---------")] + [(p.pk, p.name) for p in providers]
        if not is_change:
            del self.fields["change_reason"]
            del self.fields["change_reason_text"]

    def clean_provider(self):
        return self.providers[self.cleaned_data["provider"]]

    def clean(self):
        data = super().clean()
        if (
            self.is_change
            and data.get("change_reason") == ChangeReason.OTHER
            and not data.get("change_reason_text", "").strip()
        ):
            self.add_error("change_reason_text", _("Say in a few words what the reason is."))
        return data


class OrderConfirmForm(forms.Form):
    starts_on = forms.DateField(label=_("Start date agreed with the citizen"), widget=DateInput())
