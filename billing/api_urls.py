"""The performed-time API (docs/api/performed-time.md)."""

from django.urls import path

from .views import api

app_name = "billing_api"

urlpatterns = [
    path("besok/", api.visits_post, name="visits"),
]
