import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .constants import AuditAction
from .models import AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(
        field_name="actor_repr", lookup_expr="icontains", label=_("User (e-mail)")
    )
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label=_("Action"))
    object_type = django_filters.CharFilter(lookup_expr="icontains", label=_("Object type"))
    object_id = django_filters.CharFilter(label=_("Object id"))
    municipality_code = django_filters.CharFilter(label=_("Municipality code"))
    date_from = django_filters.DateFilter(
        field_name="timestamp",
        lookup_expr="date__gte",
        label=_("From date"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="timestamp",
        lookup_expr="date__lte",
        label=_("To date"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields = []
