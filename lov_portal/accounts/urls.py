from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("logga-in/", views.LoginView.as_view(), name="login"),
    path("logga-ut/", views.LogoutView.as_view(), name="logout"),
    path("verifiera/", views.VerifyView.as_view(), name="verify"),
    path("tvastegsverifiering/", views.SecondFactorView.as_view(), name="second_factor"),
    path("losenord/", views.PasswordResetView.as_view(), name="password_reset"),
    path("losenord/skickat/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "losenord/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "losenord/klart/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
