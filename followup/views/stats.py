"""The board's statistics per municipality and month (issue 8, item 6): a page with tables and
charts, and the same figures as CSV. Only aggregates; no citizen is shown."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from rules.contrib.views import PermissionRequiredMixin

from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_log

from ..constants import LOV_FIRST_YEAR
from ..forms import StatisticsForm
from ..selectors import (
    board_statistics,
    statistics_municipality_get,
    statistics_municipality_list,
)
from ..stats_output import board_charts, board_csv


def _years(today) -> list[int]:
    return list(range(today.year, LOV_FIRST_YEAR - 1, -1))


class StatisticsIndexView(PermissionRequiredMixin, View):
    """The chooser's target (a GET form, works without JavaScript): goes to the chosen
    municipality and year, by default the user's first municipality and this year."""

    permission_required = "followup.view_statistics"

    def get(self, request, *args, **kwargs):
        today = timezone.localdate()
        municipalities = statistics_municipality_list(user=request.user)
        form = StatisticsForm(request.GET, municipalities=municipalities, years=_years(today))
        if form.is_valid():
            municipality, year = form.cleaned_data["municipality"], form.cleaned_data["year"]
        else:
            municipality, year = municipalities.first(), today.year
        if municipality is None:
            raise Http404
        return redirect("followup:statistics_year", code=municipality.code, year=year)


class StatisticsMixin(PermissionRequiredMixin):
    permission_required = "followup.view_statistics"

    def statistics(self):
        today = timezone.localdate()
        year = self.kwargs["year"]
        if not LOV_FIRST_YEAR <= year <= today.year:
            raise Http404
        municipality = statistics_municipality_get(user=self.request.user, code=self.kwargs["code"])
        return board_statistics(municipality=municipality, year=year, today=today)


class StatisticsView(StatisticsMixin, TemplateView):
    template_name = "followup/stats/statistics.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        stats = self.statistics()
        municipalities = statistics_municipality_list(user=self.request.user)
        context.update(
            stats=stats,
            charts=board_charts(stats),
            form=StatisticsForm(
                initial={"municipality": stats.municipality, "year": stats.year},
                municipalities=municipalities,
                years=_years(timezone.localdate()),
            ),
            several_municipalities=municipalities.count() > 1,
        )
        return context


class StatisticsCsvView(StatisticsMixin, View):
    def get(self, request, *args, **kwargs):
        stats = self.statistics()
        audit_log(request, AuditAction.EXPORT, stats.municipality, message="board statistics CSV")
        response = HttpResponse(board_csv(stats), content_type="text/csv; charset=utf-8")
        name = f"namndstatistik-{stats.municipality.code}-{stats.year}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
