"""Reconciliation (avstämning): granted, performed and paid hours per provider and per
customer over months, from the invoice runs. Customers appear by pseudonymous reference only."""

import csv

from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from rules.contrib.views import PermissionRequiredMixin

from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_log

from ..forms import ReconciliationForm
from ..selectors import (
    finance_municipality_get,
    finance_municipality_list,
    month_range,
    reconciliation_for,
)

DEFAULT_MONTHS = 6


class ReconciliationMixin(PermissionRequiredMixin):
    permission_required = "billing.access_finance"

    def reconciliation(self):
        """The form and the table for the request's choices (default: the last six months
        up to and including this one)."""
        user = self.request.user
        form = ReconciliationForm(
            self.request.GET or None, municipalities=finance_municipality_list(user=user)
        )
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        municipality = finance_municipality_get(
            user=user, pk=data["municipality"].pk if data.get("municipality") else None
        )
        end = data.get("end") or timezone.localdate()
        start = data.get("start")
        if start:
            count = (end.year - start.year) * 12 + end.month - start.month + 1
        else:
            count = DEFAULT_MONTHS
        months = month_range(last=end, count=count)
        if not form.is_bound:  # show the range used
            form = ReconciliationForm(
                initial={"municipality": municipality, "start": months[0], "end": months[-1]},
                municipalities=form.fields["municipality"].queryset,
            )
        return form, reconciliation_for(user, municipality, months)


class ReconciliationView(ReconciliationMixin, TemplateView):
    template_name = "billing/reconciliation.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, table = self.reconciliation()
        context.update(
            form=form,
            table=table,
            several_municipalities=form.fields["municipality"].queryset.count() > 1,
            query=self.request.GET.urlencode(),
        )
        return context


def _number(value) -> str:
    """Decimal comma, as Swedish spreadsheets expect with a semicolon separator."""
    return "" if value is None else str(value).replace(".", ",")


class ReconciliationCsvView(ReconciliationMixin, View):
    """The same table as CSV: a row per provider total and per customer, five columns a month."""

    def get(self, request, *args, **kwargs):
        _form, table = self.reconciliation()
        audit_log(request, AuditAction.EXPORT, table.municipality, message="reconciliation CSV")
        first, last = table.months[0].month, table.months[-1].month
        name = f"avstamning-{table.municipality.code}-{first:%Y-%m}-{last:%Y-%m}.csv"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response.write("\ufeff")  # Excel opens UTF-8 with å, ä, ö correctly
        writer = csv.writer(response, delimiter=";")
        header = [_("Provider"), _("Customer reference")]
        columns = [
            _("granted h"),
            _("performed h"),
            _("paid h"),
            _("performed/granted %"),
            _("paid/granted %"),
        ]
        preliminary = _("preliminary")
        for month in [*table.months, None]:
            label = date_format(month.month, "Y-m") if month else _("Total")
            if month and month.preliminary:
                label = f"{label} ({preliminary})"
            header += [f"{label} {column}" for column in columns]
        writer.writerow(header)

        def cells(row):
            values = []
            for hours in [*row.months, row.total]:
                values += [
                    _number(hours.granted),
                    _number(hours.performed),
                    _number(hours.paid),
                    _number(hours.performed_ratio),
                    _number(hours.paid_ratio),
                ]
            return values

        for provider in table.providers:
            writer.writerow([provider.label, _("All customers"), *cells(provider)])
            for citizen in provider.citizens:
                writer.writerow([provider.label, citizen.label, *cells(citizen)])
        writer.writerow([_("All providers"), "", *cells(table.total)])
        return response
