from django.core.paginator import Paginator
from django.views.generic import DetailView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from .constants import AuditAction
from .filters import AuditEventFilter
from .selectors import audit_event_get, audit_event_list
from .services import audit_log


class AuditEventListView(PermissionRequiredMixin, TemplateView):
    permission_required = "audit.search_auditevents"
    template_name = "audit/auditevent_list.html"
    page_size = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event_filter = AuditEventFilter(
            self.request.GET or None, queryset=audit_event_list(user=self.request.user)
        )
        events = event_filter.qs if event_filter.is_bound else event_filter.queryset
        page = Paginator(events, self.page_size).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(filter=event_filter, page=page, query=query.urlencode())
        return context


class AuditEventDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "audit.search_auditevents"
    template_name = "audit/auditevent_detail.html"
    context_object_name = "event"

    def get_permission_object(self):
        return None  # a section permission; the selector decides about the object

    def get_object(self, queryset=None):
        event = audit_event_get(user=self.request.user, pk=self.kwargs["pk"])
        # Reading the log can reveal personal data: the read is logged as well.
        audit_log(self.request, AuditAction.READ, event)
        return event
