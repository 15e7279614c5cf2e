"""Forms of contracts: the municipality's list filter and the reason every action needs."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from ..constants import ContractStatus
from ..models import Contract


class ContractFilter(django_filters.FilterSet):
    """Filter a contract list that a selector has already scoped to the user."""

    status = django_filters.ChoiceFilter(
        choices=ContractStatus.choices, label=_("Status"), empty_label=_("All statuses")
    )
    provider = django_filters.ModelChoiceFilter(
        queryset=None, label=_("Provider"), empty_label=_("All providers")
    )
    municipality = django_filters.ModelChoiceFilter(
        queryset=None, label=_("Municipality"), empty_label=_("All municipalities")
    )

    class Meta:
        model = Contract
        fields = []

    def __init__(self, *args, providers, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["provider"].queryset = providers
        self.filters["municipality"].queryset = municipalities


class ContractReasonForm(forms.Form):
    """The reason for a warning, suspension, reactivation or termination (always required)."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The provider sees the reason."),
        error_messages={"required": _("Give the reason.")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason."))
        return reason


# The status changes offered on a contract page: (target status, form prefix, button label).
STATUS_ACTIONS = [
    (ContractStatus.SUSPENDED, "suspend", _("Suspend the contract")),
    (ContractStatus.ACTIVE, "reactivate", _("Reactivate the contract")),
    (ContractStatus.TERMINATED, "terminate", _("Terminate the contract")),
]
