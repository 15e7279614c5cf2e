from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import include, path
from django.views.i18n import set_language


@login_not_required
def admin_login(request, extra_context=None):
    """The admin uses the portal's own login (lockout, second factor, audit). A logged-in user
    without admin access gets 403 rather than a redirect loop."""
    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect_to_login(request.GET.get("next", "/admin/"))


admin.site.login = admin_login
admin.site.site_header = "LOV-portalen"
admin.site.site_title = "LOV-portalen"

urlpatterns = [
    path("", include("lov_portal.core.urls")),
    path("konto/", include("lov_portal.accounts.urls")),
    path("granskningslogg/", include("lov_portal.audit.urls")),
    path("katalog/", include("catalog.urls")),
    path("", include("providers.urls")),
    path("bistand/", include("assessments.urls")),
    path("utforarportal/bestallningar/", include("assessments.provider_urls")),
    path("ersattning/", include("billing.urls")),
    path("utforarportal/tid/", include("billing.provider_urls")),
    path("api/v1/", include("billing.api_urls")),
    path("uppfoljning/", include("followup.urls")),
    path("utforarportal/uppfoljning/", include("followup.provider_urls")),
    path("", include("followup.public_urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]
