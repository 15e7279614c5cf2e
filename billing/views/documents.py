"""Downloads of an invoice run's documents: per basis a PDF, a Peppol UBL invoice and a CSV
file (the municipality's finance officers and the basis's own provider), per run an SIE file
(finance officers only). Each download is audited."""

from django.http import HttpResponse
from django.views import View
from rules.contrib.views import PermissionRequiredMixin

from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_log

from ..documents import basis_csv, basis_pdf, basis_ubl, run_sie
from ..selectors import basis_get_for_user, run_get_for_user


def _download(content, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class BasisDocumentView(PermissionRequiredMixin, View):
    permission_required = "billing.view_basis"
    suffix = ""
    content_type = ""

    def get_permission_object(self):
        if not hasattr(self, "basis"):
            self.basis = basis_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        return self.basis

    def render(self, basis):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        basis = self.get_permission_object()
        content = self.render(basis)
        audit_log(request, AuditAction.EXPORT, basis, message=f"invoice basis {self.suffix}")
        return _download(
            content,
            content_type=self.content_type,
            filename=f"fakturaunderlag-{basis.number}.{self.suffix}",
        )


class BasisPdfView(BasisDocumentView):
    suffix = "pdf"
    content_type = "application/pdf"

    def render(self, basis):
        return basis_pdf(basis)


class BasisUblView(BasisDocumentView):
    suffix = "xml"
    content_type = "application/xml"

    def render(self, basis):
        return basis_ubl(basis)


class BasisCsvView(BasisDocumentView):
    suffix = "csv"
    content_type = "text/csv; charset=utf-8"

    def render(self, basis):
        return basis_csv(basis).encode("utf-8")


class RunSieView(PermissionRequiredMixin, View):
    permission_required = "billing.manage_runs"

    def get_permission_object(self):
        if not hasattr(self, "run"):
            self.run = run_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        return self.run

    def get(self, request, *args, **kwargs):
        run = self.get_permission_object()
        content = run_sie(run)
        audit_log(request, AuditAction.EXPORT, run, message="invoice run SIE")
        return _download(
            content,
            content_type="text/plain; charset=IBM437",
            filename=f"fakturakorning-{run.municipality.code}-{run.month:%Y-%m}-v{run.version}.se",
        )
