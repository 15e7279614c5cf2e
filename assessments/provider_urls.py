"""The provider's side of orders, under /utforarportal/bestallningar/."""

from django.urls import path

from . import views

app_name = "provider_orders"

urlpatterns = [
    path("", views.ProviderOrderListView.as_view(), name="list"),
    path("<int:pk>/", views.ProviderOrderDetailView.as_view(), name="detail"),
]
