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
    path(
        "brukare/<int:pk>/beslut/nytt/",
        views.DecisionCreateView.as_view(),
        name="decision_create",
    ),
    path("beslut/<int:pk>/", views.DecisionDetailView.as_view(), name="decision_detail"),
    path("beslut/<int:pk>/andra/", views.DecisionUpdateView.as_view(), name="decision_update"),
    path(
        "beslut/<int:pk>/besluta/",
        views.DecisionActionView.as_view(action="decide"),
        name="decision_decide",
    ),
    path(
        "beslut/<int:pk>/ny-version/",
        views.DecisionActionView.as_view(action="revise"),
        name="decision_revise",
    ),
    path(
        "beslut/<int:pk>/avsluta/",
        views.DecisionActionView.as_view(action="end"),
        name="decision_end",
    ),
    path(
        "beslut/<int:pk>/val/<int:service_pk>/",
        views.ChoiceRecordView.as_view(),
        name="choice_record",
    ),
    path(
        "beslut/<int:pk>/ickeval/<int:service_pk>/",
        views.NoChoiceView.as_view(),
        name="no_choice_apply",
    ),
    path("beslut/<int:pk>/beslut.pdf", views.DecisionPdfView.as_view(), name="decision_pdf"),
]
