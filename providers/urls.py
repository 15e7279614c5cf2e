from django.urls import path

from . import views

app_name = "providers"

urlpatterns = [
    path("upphandling/", views.ProcurementHomeView.as_view(), name="procurement"),
    path("utforarportal/", views.ProviderPortalHomeView.as_view(), name="portal"),
]
