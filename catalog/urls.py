from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.CatalogHomeView.as_view(), name="home"),
    path("<str:code>/", views.CatalogueListView.as_view(), name="list"),
    path("<str:code>/utforare/<int:pk>/", views.CatalogueProviderView.as_view(), name="provider"),
    path("<str:code>/jamfor/", views.CatalogueCompareView.as_view(), name="compare"),
    path("<str:code>/utskrift/", views.CataloguePrintView.as_view(), name="print"),
    path("<str:code>/utskrift.pdf", views.CataloguePrintPdfView.as_view(), name="print_pdf"),
    # Open data, versioned: docs/api/catalogue.md
    path("api/v1/<str:code>/utforare.json", views.CatalogueJsonView.as_view(), name="api_json"),
    path("api/v1/<str:code>/utforare.csv", views.CatalogueCsvView.as_view(), name="api_csv"),
]
