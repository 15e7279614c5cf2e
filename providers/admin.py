from django.contrib import admin

from .models import Provider


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation_number", "legal_form", "is_in_house"]
    list_filter = ["is_in_house", "legal_form"]
    search_fields = ["name", "organisation_number"]
