"""Forms of the reviewers' actions on an application: assessments, completion requests and
each municipality's board decision."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..constants import ApplicationStatus, AssessmentResult, DecisionStatus

REVIEWABLE = {ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW}


class AssessmentsForm(forms.Form):
    """Met / not met with a comment for every answer of the application, on one page.

    A requirement left without a result is simply not assessed yet."""

    def __init__(self, *args, answers, **kwargs):
        super().__init__(*args, **kwargs)
        self.answers = list(answers)
        for answer in self.answers:
            existing = getattr(answer, "assessment", None)
            self.fields[f"result_{answer.pk}"] = forms.ChoiceField(
                label=_("Assessment"),
                choices=AssessmentResult.choices,
                widget=forms.RadioSelect,
                required=False,
                initial=existing.result if existing else None,
            )
            self.fields[f"comment_{answer.pk}"] = forms.CharField(
                label=_("Comment"),
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                initial=existing.comment if existing else "",
            )

    def rows(self):
        """(answer, result field, comment field) per requirement, for the template."""
        return [
            (answer, self[f"result_{answer.pk}"], self[f"comment_{answer.pk}"])
            for answer in self.answers
        ]

    def clean(self):
        cleaned = super().clean()
        for answer in self.answers:
            result = cleaned.get(f"result_{answer.pk}")
            comment = (cleaned.get(f"comment_{answer.pk}") or "").strip()
            if result == AssessmentResult.NOT_MET and not comment:
                self.add_error(
                    f"comment_{answer.pk}",
                    _("Say why the requirement is not met; the provider and the board read it."),
                )
            elif comment and not result:
                self.add_error(f"result_{answer.pk}", _("Choose met or not met."))
        return cleaned

    def assessments(self) -> dict[int, tuple[str, str]]:
        """{answer id: (result, comment)} for every requirement given a result."""
        return {
            answer.pk: (
                self.cleaned_data[f"result_{answer.pk}"],
                self.cleaned_data[f"comment_{answer.pk}"].strip(),
            )
            for answer in self.answers
            if self.cleaned_data.get(f"result_{answer.pk}")
        }


class CompletionRequestForm(forms.Form):
    message = forms.CharField(
        label=_("What is missing"),
        help_text=_("The provider reads this message and answers it before resubmitting."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what is missing.")},
    )

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if not message:
            raise forms.ValidationError(_("Say what is missing."))
        return message


class DecisionForm(forms.Form):
    """One municipality's board decision on the application."""

    APPROVE, REJECT = "approve", "reject"

    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("Approve")), (REJECT, _("Reject"))],
        widget=forms.RadioSelect,
    )
    decision_date = forms.DateField(
        label=_("Decision date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    board_reference = forms.CharField(
        label=_("Board reference"),
        max_length=50,
        help_text=_("The board's reference number, e.g. ON 2026/123."),
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Required to reject: the provider may apply for correction at the administrative "
            "court and must know why."
        ),
    )

    def __init__(self, *args, decision, **kwargs):
        kwargs.setdefault("prefix", f"decision-{decision.pk}")
        kwargs.setdefault("initial", {"decision_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.decision = decision

    def clean(self):
        cleaned = super().clean()
        cleaned["reasons"] = (cleaned.get("reasons") or "").strip()
        if cleaned.get("outcome") == self.REJECT and not cleaned["reasons"]:
            self.add_error(
                "reasons", _("A rejection must give its reasons (the provider may appeal).")
            )
        return cleaned

    @property
    def approve(self) -> bool:
        return self.cleaned_data["outcome"] == self.APPROVE


def reviewer_forms(*, user, application, bound: dict) -> dict:
    """The action forms a user may use on the application page, in its current status.

    `bound` holds a form that failed validation, to show again with its errors and input:
    "assessment_form", "completion_form" or "decision_form" (for one municipality)."""
    can_review = user.has_perm("providers.review_application", application)
    in_review = application.status == ApplicationStatus.IN_REVIEW
    context = {
        "can_start_review": can_review and application.status == ApplicationStatus.SUBMITTED,
        "assessment_form": None,
        "completion_form": None,
        "decision_forms": [],
    }
    if can_review and in_review:
        context["assessment_form"] = bound.get("assessment_form") or AssessmentsForm(
            answers=application.answers.select_related(
                "requirement__section", "document", "assessment__assessed_by"
            ).order_by("requirement__section__ordering", "requirement__ordering", "pk")
        )
    if can_review and application.status in REVIEWABLE:
        context["completion_form"] = bound.get("completion_form") or CompletionRequestForm()
    if in_review:
        failed = bound.get("decision_form")
        for decision in application.municipalities.select_related("municipality"):
            if decision.status != DecisionStatus.PENDING or not user.has_perm(
                "providers.decide_application", decision
            ):
                continue
            if failed is not None and failed.decision.pk == decision.pk:
                context["decision_forms"].append(failed)
            else:
                context["decision_forms"].append(DecisionForm(decision=decision))
    return context
