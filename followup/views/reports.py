"""Quality reports (kvalitetsredovisning): a quality officer starts one for a municipality or a
cooperation and a year, follows its progress while a Celery task renders it, and downloads the
PDF. Officers of every municipality of the report's scope see it; nobody else does."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from rules.contrib.views import PermissionRequiredMixin

from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_log
from lov_portal.core.forms import apply_errors
from lov_portal.core.selectors import municipality_list
from lov_portal.core.uploads import file_response

from .. import services
from ..constants import ReportStatus
from ..forms import QualityReportStartForm
from ..selectors import (
    quality_report_get_for_user,
    quality_report_list_for_user,
    quality_report_scope_get,
    quality_report_scopes_for_user,
)


def scope_key(report) -> str:
    return f"c{report.cooperation_id}" if report.cooperation_id else f"m{report.municipality_id}"


class ReportListView(PermissionRequiredMixin, TemplateView):
    """The reports of one's municipalities and cooperations, and the form that starts one."""

    permission_required = "followup.manage_reports"
    template_name = "followup/reports/report_list.html"

    def form(self, data=None):
        scopes = quality_report_scopes_for_user(user=self.request.user)
        initial = {"scope": scopes[0].key if scopes else "", "year": timezone.localdate().year}
        return QualityReportStartForm(data, scopes=scopes, initial=initial)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        context["reports"] = quality_report_list_for_user(user=self.request.user)[:100]
        return context

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid():
            scope = quality_report_scope_get(user=request.user, key=form.cleaned_data["scope"])
            try:
                report, created = services.quality_report_start(
                    municipality=scope.municipality,
                    cooperation=scope.cooperation,
                    year=form.cleaned_data["year"],
                    actor=request.user,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                if created:
                    messages.success(
                        request, _("The quality report is being made. Follow it on this page.")
                    )
                else:
                    messages.info(
                        request,
                        _("A report for the same scope and year is being made: here it is."),
                    )
                return redirect("followup:report_detail", pk=report.pk)
        return self.render_to_response(self.get_context_data(form=form))


class ReportMixin(PermissionRequiredMixin):
    permission_required = "followup.manage_reports"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.report = quality_report_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_permission_object(self):
        return self.report


class ReportDetailView(ReportMixin, TemplateView):
    template_name = "followup/reports/report_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.report
        context.update(
            report=report,
            working=report.status in services.REPORT_WORKING,
            history=report.history.select_related("actor"),
            scope_key=scope_key(report),
            municipalities=municipality_list(active_only=False)
            .filter(pk__in=report.municipality_ids)
            .order_by("name"),
        )
        return context


class ReportProgressView(ReportMixin, TemplateView):
    """The progress bar alone, polled by htmx while the report renders; when it is done the
    page reloads to show the download."""

    template_name = "followup/reports/_report_progress.html"

    def get(self, request, *args, **kwargs):
        working = self.report.status in services.REPORT_WORKING
        response = self.render_to_response({"report": self.report, "working": working})
        if not working and request.htmx:
            response["HX-Refresh"] = "true"
        return response


class ReportDownloadView(ReportMixin, View):
    """The PDF, to the officers of the report's municipalities (audited as an export)."""

    def get(self, request, *args, **kwargs):
        report = self.report
        if report.status != ReportStatus.DONE or not report.pdf:
            raise Http404
        audit_log(request, AuditAction.EXPORT, report, message="quality report PDF")
        scope = report.cooperation.name if report.cooperation else report.municipality.name
        name = f"kvalitetsredovisning-{slugify(scope)}-{report.year}.pdf"
        return file_response(report.pdf, filename=name, content_type="application/pdf")
