"""Forms of the compensation app."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from lov_portal.core.constants import RateZone
from lov_portal.core.selectors import service_type_list

from .constants import ProviderKind, RateUnit, TimeBand, VisitKind
from .imports import MAX_STAFF
from .models import BillingRules
from .services import RULES_FIELDS


class MonthField(forms.CharField):
    """A month as YYYY-MM (the browser's month picker), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "ÅÅÅÅ-MM"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return datetime.datetime.strptime(value.strip(), "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(
                _("Give the month as year and month, e.g. 2026-11."), code="invalid"
            ) from None


class RunStartForm(forms.Form):
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None, empty_label=None)
    month = MonthField(label=_("Month"))

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities


class DisputeForm(forms.Form):
    comment = forms.CharField(
        label=_("What is wrong with the line?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class DisputeAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer to the provider"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


# --- Rates and rules ---------------------------------------------------------------------------


class IsoDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


AMOUNT_ERRORS = {
    "invalid": _("Enter the amount as a number, e.g. 430 or 430,50."),
    "min_value": _("The amount may not be negative."),
    "max_decimal_places": _("Give the amount in whole öre: at most two decimals."),
    "max_digits": _("The amount is too large."),
    "max_whole_digits": _("The amount is too large."),
}


def amount_field(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=10,
        decimal_places=2,
        min_value=0,
        localize=True,
        error_messages=AMOUNT_ERRORS,
    )


ZONE_CHOICES = [("", _("All zones")), *RateZone.choices]


class MunicipalityChoiceForm(forms.Form):
    """Pick one of the user's municipalities (shown only when there are several)."""

    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None, required=False)

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.fields["municipality"].empty_label = None


class RateFilterForm(MunicipalityChoiceForm):
    service_type = forms.ModelChoiceField(
        label=_("Service"), queryset=service_type_list(), required=False, empty_label=_("All")
    )
    valid_on = forms.DateField(
        label=_("Valid on"),
        required=False,
        widget=IsoDateInput(),
        help_text=_("Empty: every period, past and coming."),
    )


class RateForm(forms.Form):
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None)
    service_type = forms.ModelChoiceField(label=_("Service"), queryset=service_type_list())
    time_band = forms.ChoiceField(label=_("Time band"), choices=TimeBand.choices)
    rate_zone = forms.ChoiceField(
        label=_("Rate zone"),
        choices=ZONE_CHOICES,
        required=False,
        help_text=_("A rate for one zone wins over the rate for all zones."),
    )
    provider_kind = forms.ChoiceField(
        label=_("Applies to"),
        choices=ProviderKind.choices,
        help_text=_("A rate for in-house or private providers wins over one for all providers."),
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=RateUnit.choices)
    amount = amount_field(_("Amount (SEK)"))
    valid_from = forms.DateField(
        label=_("Valid from"),
        widget=IsoDateInput(),
        help_text=_("An invoice run uses the rate valid on the first day of the month."),
    )
    valid_to = forms.DateField(
        label=_("Valid to"),
        widget=IsoDateInput(),
        required=False,
        help_text=_("Leave empty for a rate until further notice."),
    )

    def __init__(self, *args, municipalities, fixed_municipality=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.fields["municipality"].empty_label = None
        if fixed_municipality:
            self.fields["municipality"].disabled = True


class RateSupersedeForm(forms.Form):
    new_amount = amount_field(_("New amount (SEK)"))
    from_date = forms.DateField(
        label=_("From date"),
        widget=IsoDateInput(),
        help_text=_(
            "The current rate ends the day before. Runs use the rate valid on the first day "
            "of the month, so the first of a month is usually right."
        ),
    )


class BillingRulesForm(forms.ModelForm):
    """New rules from a date, with the declined-visit share and standard time per service."""

    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None)

    class Meta:
        model = BillingRules
        fields = ["valid_from", *RULES_FIELDS]
        widgets = {"valid_from": IsoDateInput()}
        # Percentages typed the Swedish way (1,5).
        localized_fields = [name for name in RULES_FIELDS if name.endswith("_percent")]

    def __init__(self, *args, municipalities, service_types, service_initial=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.fields["municipality"].empty_label = None
        self.order_fields(["municipality", "valid_from"])
        self.service_types = list(service_types)
        service_initial = service_initial or {}
        for service_type in self.service_types:
            declined, minutes = service_initial.get(service_type.pk, (None, None))
            self.fields[f"declined_{service_type.pk}"] = forms.DecimalField(
                label=_("%(service)s: declined visit paid (%%)") % {"service": service_type},
                max_digits=5,
                decimal_places=2,
                min_value=0,
                max_value=100,
                localize=True,
                required=False,
                initial=declined,
            )
            self.fields[f"standard_{service_type.pk}"] = forms.IntegerField(
                label=_("%(service)s: standard time (minutes)") % {"service": service_type},
                min_value=1,
                max_value=600,
                required=False,
                initial=minutes,
            )

    def rule_fields(self):
        """The general rule fields, for the template."""
        return [self[name] for name in ["valid_from", *RULES_FIELDS]]

    def service_rows(self):
        """(service, declined field, standard time field) per service, for the template."""
        return [
            (st, self[f"declined_{st.pk}"], self[f"standard_{st.pk}"]) for st in self.service_types
        ]

    def service_rules(self):
        """[(service_type, declined_percent, standard_minutes)] for the services given a rule."""
        result = []
        for st in self.service_types:
            declined = self.cleaned_data.get(f"declined_{st.pk}")
            minutes = self.cleaned_data.get(f"standard_{st.pk}")
            if declined is None and minutes is None:
                continue
            if declined is None:
                self.add_error(
                    f"declined_{st.pk}",
                    _("Give the share paid for a declined visit when a standard time is set."),
                )
                continue
            result.append((st, declined, minutes))
        return result


class ReconciliationForm(MunicipalityChoiceForm):
    start = forms.DateField(
        label=_("From month"),
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )
    end = forms.DateField(
        label=_("To month"),
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The last month may not be before the first."))
        if start and end and (end.year - start.year) * 12 + end.month - start.month >= 24:
            self.add_error("end", _("Show at most 24 months at a time."))
        return data


# --- Performed time -----------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class _ProviderFormMixin:
    """A provider field, shown only to users who work for more than one provider."""

    def _set_providers(self, providers) -> None:
        field = self.fields["provider"]
        field.queryset = providers
        listed = list(providers)
        self._only_provider = listed[0] if len(listed) == 1 else None
        if self._only_provider is not None:
            field.initial = self._only_provider.pk
            field.required = False
            field.widget = forms.HiddenInput()

    def clean_provider(self):
        return self.cleaned_data.get("provider") or self._only_provider


class VisitUploadForm(_ProviderFormMixin, forms.Form):
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=None)
    file = forms.FileField(
        label=_("CSV file with visits"),
        help_text=_(
            "Columns besoks_id;bestallning;datum;start;slut;personal;typ, UTF-8, at most 10 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_providers(providers)


class ApiTokenForm(_ProviderFormMixin, forms.Form):
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=None)
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("For example the name of your time registration system."),
    )

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_providers(providers)


class VisitEditForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    start = forms.TimeField(label=_("Start"), widget=TimeInput())
    end = forms.TimeField(
        label=_("End"),
        widget=TimeInput(),
        help_text=_("An end before the start is after midnight."),
    )
    staff_count = forms.IntegerField(label=_("Staff"), min_value=1, max_value=MAX_STAFF)
    kind = forms.ChoiceField(label=_("Kind"), choices=VisitKind.choices)
    reason = forms.CharField(
        label=_("Reason for the change"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the change. Do not write personal details about the citizen."),
    )
