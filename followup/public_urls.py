"""Pages anyone may open without logging in: the complaint form and own-survey answers."""

from django.urls import path

from .views import cases, own_surveys

app_name = "followup_public"

urlpatterns = []

# --- Own survey answers (by link) -------------------------------------------------------------
urlpatterns += [
    path("enkat/<str:token>/", own_surveys.OwnSurveyAnswerView.as_view(), name="own_survey_answer"),
]

# --- Public complaint form --------------------------------------------------------------------
urlpatterns += [
    path("synpunkter/", cases.ComplaintStartView.as_view(), name="complaint_start"),
    path("synpunkter/tack/", cases.ComplaintReceiptView.as_view(), name="complaint_receipt"),
    path("synpunkter/<str:code>/", cases.ComplaintFormView.as_view(), name="complaint_form"),
]
