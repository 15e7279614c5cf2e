"""Forms of the catalogue: the citizen's situation for the printed catalogue."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lov_portal.core.selectors import area_list, service_type_list


class PrintForm(forms.Form):
    """What the needs assessor hands over: the providers for this area and these services."""

    area = forms.ModelChoiceField(
        label=_("Area"), queryset=area_list(), empty_label=_("Choose the citizen's area")
    )
    services = forms.ModelMultipleChoiceField(
        label=_("Services granted"),
        queryset=service_type_list(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, municipality, service_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = area_list(municipality=municipality)
        self.fields["area"].label_from_instance = lambda area: area.name
        self.fields["services"].queryset = service_types


class CompareForm(forms.Form):
    provider = forms.TypedMultipleChoiceField(coerce=int, label=_("Providers to compare"))

    def __init__(self, *args, entries_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(pk, pk) for pk in entries_ids]

    def clean_provider(self):
        chosen = list(dict.fromkeys(self.cleaned_data["provider"]))
        if not 2 <= len(chosen) <= 4:
            raise forms.ValidationError(
                _("Choose between two and four providers to compare."), code="count"
            )
        return chosen
