from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("brukare/", views.CitizenSearchView.as_view(), name="citizen_search"),
    path("brukare/ny/", views.CitizenRegisterView.as_view(), name="citizen_register"),
    path("brukare/<int:pk>/", views.CitizenDetailView.as_view(), name="citizen_detail"),
    path("brukare/<int:pk>/andra/", views.CitizenUpdateView.as_view(), name="citizen_update"),
    path(
        "brukare/<int:pk>/kontaktperson/",
        views.ContactPersonAddView.as_view(),
        name="contact_person_add",
    ),
]
