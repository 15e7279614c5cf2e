from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.StartView.as_view(), name="start"),
    path("arbetsyta/", views.WorkspaceView.as_view(), name="home"),
    path("tillganglighet/", views.AccessibilityStatementView.as_view(), name="accessibility"),
    path("halsa/", views.health, name="health"),
]
