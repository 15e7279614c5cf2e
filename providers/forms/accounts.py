"""Forms for provider accounts: registration, colleagues and the catalogue profile."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from lov_portal.accounts.models import User
from lov_portal.core.uploads import AllowedKind, DocumentField
from lov_portal.core.validators import (
    normalise_organisation_number,
    normalise_postal_code,
    validate_organisation_number,
    validate_postal_code,
)

from ..constants import LegalForm
from ..models import AdditionalService, Language, Provider, Specialisation
from ..services import EMAIL_TAKEN, ORGANISATION_NUMBER_TAKEN

LOGO_MAX_BYTES = 2 * 1024 * 1024
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _postal_code_field(required: bool) -> forms.CharField:
    return forms.CharField(
        label=_("Postal code"),
        max_length=6,
        required=required,
        validators=[validate_postal_code],
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )


class ProviderRegistrationForm(forms.Form):
    """A company registers as a provider, with its first user."""

    organisation_number = forms.CharField(
        label=_("Organisation number"),
        max_length=13,
        validators=[validate_organisation_number],
        help_text=_("Ten digits, written NNNNNN-NNNN."),
    )
    name = forms.CharField(
        label=_("Company name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    legal_form = forms.ChoiceField(
        label=_("Legal form"),
        choices=[("", "---------")]
        + [c for c in LegalForm.choices if c[0] != LegalForm.MUNICIPALITY],
    )
    has_f_tax = forms.TypedChoiceField(
        label=_("Is the company approved for F-tax?"),
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    street_address = forms.CharField(
        label=_("Street address"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postal_code = _postal_code_field(required=True)
    city = forms.CharField(
        label=_("Town"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    email = forms.EmailField(
        label=_("The company's contact e-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("The company's telephone"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel"}),
    )
    user_full_name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    user_email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("You log in with this address."),
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_organisation_number(self):
        value = normalise_organisation_number(self.cleaned_data["organisation_number"])
        if Provider.objects.filter(organisation_number=value).exists():
            raise forms.ValidationError(ORGANISATION_NUMBER_TAKEN, code="taken")
        return value

    def clean_postal_code(self):
        return normalise_postal_code(self.cleaned_data["postal_code"])

    def clean_user_email(self):
        value = self.cleaned_data["user_email"].lower()
        if User.objects.filter(email__iexact=value).exists():
            raise forms.ValidationError(EMAIL_TAKEN, code="taken")
        return value

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords are not the same."))
        elif password1:
            candidate = User(
                email=cleaned.get("user_email", ""), full_name=cleaned.get("user_full_name", "")
            )
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ColleagueInviteForm(forms.Form):
    full_name = forms.CharField(
        label=_("Name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )


class InvitationPasswordForm(SetPasswordForm):
    """The invited colleague chooses a password (Django's validators apply)."""


class ProviderProfileForm(forms.ModelForm):
    """What the catalogue shows about the provider."""

    website = forms.URLField(
        label=_("Website"),
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )
    postal_code = _postal_code_field(required=False)
    languages = forms.ModelMultipleChoiceField(
        label=_("Languages spoken by the staff"),
        queryset=Language.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    specialisations = forms.ModelMultipleChoiceField(
        label=_("Specialisations"),
        queryset=Specialisation.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    logo = DocumentField(
        label=_("New logo"),
        allowed=[AllowedKind.PNG, AllowedKind.JPEG],
        max_bytes=LOGO_MAX_BYTES,
        required=False,
        help_text=_("A PNG or JPEG image of at most 2 MB."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)

    class Meta:
        model = Provider
        fields = [
            "presentation",
            "languages",
            "specialisations",
            "environmental_profile",
            "email",
            "phone",
            "website",
            "street_address",
            "postal_code",
            "city",
        ]
        labels = {
            "presentation": _("Presentation"),
            "environmental_profile": _("Environmental profile"),
            "email": _("Contact e-mail"),
            "phone": _("Contact telephone"),
            "street_address": _("Street address"),
            "city": _("Town"),
        }
        help_texts = {
            "presentation": _("Who you are and how you work, in a few paragraphs."),
            "environmental_profile": _("E.g. vehicles, travel, purchasing, certifications."),
        }
        widgets = {
            "presentation": forms.Textarea(attrs={"rows": 6}),
            "environmental_profile": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.logo:
            del self.fields["remove_logo"]

    def clean_postal_code(self):
        value = self.cleaned_data["postal_code"]
        return normalise_postal_code(value) if value else ""

    def profile_fields(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name not in ("languages", "specialisations")
        }


class AdditionalServiceForm(forms.ModelForm):
    price = forms.DecimalField(label=_("Price (SEK)"), min_value=0, max_digits=9, decimal_places=2)

    class Meta:
        model = AdditionalService
        fields = ["name", "description", "price", "price_unit"]
        labels = {
            "name": _("Service"),
            "description": _("Description"),
            "price_unit": _("Per (e.g. hour, occasion)"),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


AdditionalServiceFormSet = forms.inlineformset_factory(
    Provider,
    AdditionalService,
    form=AdditionalServiceForm,
    extra=2,
    can_delete=True,
)


def additional_services_wanted(formset) -> list[dict]:
    """The complete list of services the provider wants, from a valid formset: filled rows
    that are not marked for removal."""
    wanted = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        wanted.append(
            {
                "pk": form.instance.pk,
                "name": data["name"],
                "description": data.get("description", ""),
                "price": data["price"],
                "price_unit": data["price_unit"],
            }
        )
    return wanted
