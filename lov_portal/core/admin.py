from django.contrib import admin

from lov_portal.permissions import user_scope

from .models import Area, AreaPostalCode, Cooperation, Municipality, ServiceType


class MunicipalityScopedAdmin(admin.ModelAdmin):
    """A municipal administrator sees and edits only their own municipality's rows."""

    municipality_field = "municipality"

    def _municipality_ids(self, request) -> set[int] | None:
        scope = user_scope(request.user)
        if request.user.is_superuser or "system_admin" in scope.global_roles:
            return None
        return scope.municipality_ids("municipal_admin")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = self._municipality_ids(request)
        return qs if ids is None else qs.filter(**{f"{self.municipality_field}__in": ids})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        ids = self._municipality_ids(request)
        if db_field.name == "municipality" and ids is not None:
            kwargs["queryset"] = Municipality.objects.filter(pk__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "board_name", "is_active"]
    search_fields = ["name", "code"]


@admin.register(Cooperation)
class CooperationAdmin(admin.ModelAdmin):
    list_display = ["name"]
    filter_horizontal = ["municipalities"]


class AreaPostalCodeInline(admin.TabularInline):
    model = AreaPostalCode
    extra = 1


@admin.register(Area)
class AreaAdmin(MunicipalityScopedAdmin):
    list_display = ["name", "municipality", "rate_zone"]
    list_filter = ["municipality", "rate_zone"]
    search_fields = ["name", "postal_codes__postal_code"]
    inlines = [AreaPostalCodeInline]


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "category", "ordering", "is_active"]
    list_filter = ["category", "is_active"]
    prepopulated_fields = {"code": ["name"]}
