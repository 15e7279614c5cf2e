"""Forms of the quality follow-up app. One block per area."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from assessments.forms import DateInput, IdentityNumberField

from . import survey_imports
from .constants import (
    CASE_TRANSITIONS,
    LOV_FIRST_YEAR,
    CaseKind,
    CaseStatus,
    ChecklistResult,
    Severity,
    VisitKind,
    VisitStatus,
)
from .selectors import CASE_NO_HANDLER

# --- Survey results and own surveys ---------------------------------------------------------


class SurveyYearField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("Year"),
            min_value=2000,
            max_value=2100,
            error_messages={
                "required": _("Write the year of the survey."),
                "invalid": _("Write the year with four digits, e.g. 2026."),
            },
            **kwargs,
        )


class SurveyMunicipalityForm(forms.Form):
    """Which municipality and year the results page shows (GET)."""

    kommun = forms.ChoiceField(label=_("Municipality"))
    ar = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)

    def __init__(self, *args, municipalities, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kommun"].choices = [(m.code, m.name) for m in municipalities]
        self.fields["ar"].choices = [("", _("All years")), *[(y, y) for y in years]]


class SurveyImportForm(forms.Form):
    municipality = forms.ChoiceField(label=_("Municipality"))
    year = SurveyYearField(
        help_text=_("Used for rows without a year column."),
    )
    file = forms.FileField(
        label=_("CSV file with survey results"),
        help_text=_("Semicolon-separated, UTF-8, at most 2 MB. The format is described below."),
        error_messages={"required": _("Choose a file.")},
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = [(m.code, m.name) for m in municipalities]

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > survey_imports.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 2 MB. Split it into smaller files.")
            )
        return uploaded


class SurveyResultForm(forms.Form):
    """One result entered or changed by hand."""

    provider = forms.ModelChoiceField(label=_("Provider"), queryset=None)
    service_type = forms.ModelChoiceField(label=_("Service"), queryset=None)
    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=None)
    year = SurveyYearField()
    value = forms.DecimalField(
        label=_("Value"),
        max_digits=7,
        decimal_places=2,
        min_value=0,
        help_text=_("Per cent, index or number, as the indicator is measured."),
        error_messages={"required": _("Write the value."), "invalid": _("Write a number.")},
    )
    respondents = forms.IntegerField(
        label=_("Number of answers"),
        min_value=1,
        help_text=_("Results from fewer than 5 answers are stored but never published."),
        error_messages={"required": _("Write the number of answers.")},
    )

    def __init__(self, *args, providers, service_types, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        self.fields["service_type"].queryset = service_types
        self.fields["indicator"].queryset = indicators
        self.fields["value"].localize = True
        self.fields["value"].widget.is_localized = True


OWN_SURVEY_QUESTION_ROWS = 6


class OwnSurveyForm(forms.Form):
    """A short survey: up to six questions on a 1–5 scale, each optionally tied to an
    indicator, and an optional free-text question."""

    provider = forms.ModelChoiceField(label=_("Provider"), queryset=None)
    service_type = forms.ModelChoiceField(label=_("Service"), queryset=None)
    year = SurveyYearField()
    title = forms.CharField(label=_("Title"), max_length=200)
    introduction = forms.CharField(
        label=_("Introduction to the customer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    free_text_question = forms.CharField(
        label=_("Free-text question (optional)"), max_length=300, required=False
    )

    def __init__(self, *args, providers, service_types, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        self.fields["service_type"].queryset = service_types
        for n in range(1, OWN_SURVEY_QUESTION_ROWS + 1):
            self.fields[f"question_{n}"] = forms.CharField(
                label=_("Question %(n)s") % {"n": n}, max_length=300, required=n == 1
            )
            self.fields[f"indicator_{n}"] = forms.ModelChoiceField(
                label=_("Indicator of question %(n)s") % {"n": n},
                queryset=indicators,
                required=False,
                empty_label=_("No indicator"),
            )

    def questions(self) -> list[tuple]:
        return [
            (self.cleaned_data.get(f"question_{n}", ""), self.cleaned_data.get(f"indicator_{n}"))
            for n in range(1, OWN_SURVEY_QUESTION_ROWS + 1)
        ]


class OwnSurveyLinksForm(forms.Form):
    count = forms.IntegerField(
        label=_("Number of links"),
        min_value=1,
        max_value=1000,
        help_text=_("One link for each customer who gets the survey."),
    )


SCORE_CHOICES = [
    ("1", _("1 – very bad")),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5", _("5 – very good")),
]


class OwnSurveyAnswerForm(forms.Form):
    """The customer's answers: every question may be left unanswered."""

    def __init__(self, *args, survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey_questions = list(survey.questions.all())
        for question in self.survey_questions:
            self.fields[f"q{question.pk}"] = forms.ChoiceField(
                label=question.text,
                choices=SCORE_CHOICES,
                widget=forms.RadioSelect,
                required=False,
            )
        if survey.free_text_question:
            self.fields["free_text"] = forms.CharField(
                label=survey.free_text_question,
                widget=forms.Textarea(attrs={"rows": 4}),
                max_length=4000,
                required=False,
            )

    def scores(self) -> dict[int, int]:
        return {
            q.pk: int(self.cleaned_data[f"q{q.pk}"])
            for q in self.survey_questions
            if self.cleaned_data.get(f"q{q.pk}")
        }


# --- Follow-up visits, findings and action plans --------------------------------------------


class VisitFilterForm(forms.Form):
    """The visit list's filters (GET: the list works without JavaScript)."""

    provider = forms.ModelChoiceField(
        label=_("Provider"), queryset=None, required=False, empty_label=_("All providers")
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *VisitStatus.choices],
        required=False,
    )
    overdue = forms.BooleanField(label=_("Only visits with overdue action plans"), required=False)

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers


class VisitPlanForm(forms.Form):
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None, empty_label=None)
    provider = forms.ModelChoiceField(
        label=_("Provider"),
        queryset=None,
        help_text=_("Providers with an active contract in the municipality."),
    )
    kind = forms.ChoiceField(
        label=_("Type of follow-up"),
        choices=VisitKind.choices,
        initial=VisitKind.ROUTINE,
        widget=forms.RadioSelect,
    )
    case = forms.ModelChoiceField(
        label=_("Prompted by case"),
        queryset=None,
        required=False,
        empty_label=_("No case"),
        help_text=_("Only for a visit prompted by a complaint: a case about the same provider."),
    )
    planned_on = forms.DateField(label=_("Planned date"), widget=DateInput())
    purpose = forms.CharField(
        label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    cooperation = forms.ModelChoiceField(
        label=_("Share with the cooperation"),
        queryset=None,
        required=False,
        empty_label=_("Not shared"),
        help_text=_(
            "The quality officers of the cooperation's municipalities can then read the visit, "
            "its findings and action plans."
        ),
    )

    def __init__(self, *args, municipalities, providers, cases, cooperations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.fields["provider"].queryset = providers
        self.fields["case"].queryset = cases
        self.fields["case"].label_from_instance = lambda case: (
            f"{case.reference} – {case.provider.name}"
        )
        self.fields["cooperation"].queryset = cooperations
        if not cooperations.exists():
            del self.fields["cooperation"]

    def clean(self):
        data = super().clean()
        if data.get("case") is not None and data.get("kind") != VisitKind.COMPLAINT:
            self.add_error("case", _("Only a visit prompted by a complaint is linked to a case."))
        return data


class ChecklistItemAddForm(forms.Form):
    text = forms.CharField(
        label=_("New point to check"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args, **kwargs):
        # Shown on the visit page beside the finding form, which also has a "text" field:
        # ids of their own, so each label points at its own field.
        kwargs.setdefault("auto_id", "id_item_%s")
        super().__init__(*args, **kwargs)


class ChecklistForm(forms.Form):
    """One result and comment per checklist item (fields result_<id> and comment_<id>)."""

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"result_{item.pk}"] = forms.ChoiceField(
                label=_("Result"),
                choices=ChecklistResult.choices,
                initial=item.result,
                widget=forms.Select(attrs={"class": "form-select"}),
            )
            self.fields[f"comment_{item.pk}"] = forms.CharField(
                label=_("Comment"),
                required=False,
                initial=item.comment,
                widget=forms.Textarea(attrs={"rows": 1, "class": "form-control"}),
                max_length=2000,
            )

    def rows(self):
        return [
            (item, self[f"result_{item.pk}"], self[f"comment_{item.pk}"]) for item in self.items
        ]

    def entries(self) -> dict[int, tuple[str, str]]:
        return {
            item.pk: (
                self.cleaned_data[f"result_{item.pk}"],
                self.cleaned_data[f"comment_{item.pk}"],
            )
            for item in self.items
        }


class FindingForm(forms.Form):
    text = forms.CharField(
        label=_("Finding"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    checklist_item = forms.ModelChoiceField(
        label=_("Checklist item"), queryset=None, required=False, empty_label=_("None")
    )
    requires_plan = forms.BooleanField(
        label=_("The provider must answer with an action plan"), required=False
    )
    plan_deadline = forms.DateField(label=_("Action plan due"), required=False, widget=DateInput())

    def __init__(self, *args, checklist, **kwargs):
        kwargs.setdefault("auto_id", "id_finding_%s")
        super().__init__(*args, **kwargs)
        self.fields["checklist_item"].queryset = checklist
        self.fields["checklist_item"].label_from_instance = lambda item: item.text[:90]

    def clean(self):
        data = super().clean()
        if data.get("requires_plan") and not data.get("plan_deadline"):
            self.add_error("plan_deadline", _("Give the date the action plan is due."))
        if not data.get("requires_plan"):
            data["plan_deadline"] = None
        return data


class VisitCarryOutForm(forms.Form):
    carried_out_on = forms.DateField(label=_("Carried out on"), widget=DateInput())
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}), max_length=8000
    )


class PlanAcceptForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment to the provider (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )


class PlanReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What is missing in the plan?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )
    new_deadline = forms.DateField(
        label=_("New deadline (optional)"), required=False, widget=DateInput()
    )


class ActionPlanForm(forms.Form):
    text = forms.CharField(
        label=_("Action plan"),
        help_text=_(
            "What you will do about the finding, who is responsible and how you follow up."
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=8000,
    )
    done_by = forms.DateField(label=_("Measures completed by"), required=False, widget=DateInput())


# --- Complaints, deviations and Lex Sarah (cases) ---------------------------------------------


def _style_case_widgets(form) -> None:
    """Bootstrap classes on the widgets (the case templates render fields by hand, so the
    error summary, fieldsets and aria links are under our control)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.RadioSelect):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        elif isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class _CaseForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style_case_widgets(self)


def _case_provider_field(**kwargs) -> forms.ChoiceField:
    return forms.TypedChoiceField(
        label=_("Provider"), required=False, coerce=int, empty_value=None, **kwargs
    )


class _CaseContentFields(_CaseForm):
    subject = forms.CharField(
        label=_("Subject"),
        max_length=200,
        help_text=_("A few words, for example “Missed visits”."),
    )
    description = forms.CharField(
        label=_("What happened?"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text=_("Describe what happened, where and who was affected."),
    )
    occurred_on = forms.DateField(
        label=_("When did it happen?"),
        required=False,
        widget=DateInput(),
        help_text=_("The date, e.g. 2026-03-14. Leave it empty if you do not know."),
    )


class _CaseContactFields(_CaseForm):
    contact_name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    contact_email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("Give an e-mail address if you want the reply by e-mail."),
    )
    contact_phone = forms.CharField(
        label=_("Telephone"),
        max_length=30,
        required=False,
        validators=[
            RegexValidator(
                r"^[0-9 +()-]*$",
                _("Write the telephone number with digits, spaces, + and - only."),
            )
        ],
    )


class PublicComplaintForm(_CaseContentFields, _CaseContactFields):
    """The public form: what happened, optionally about which provider, optionally who to
    answer. `website` is a honeypot: people never see it, bots fill it in."""

    provider = _case_provider_field(
        help_text=_("Choose the provider the complaint is about, if it is about one.")
    )
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    field_order = [
        "provider",
        "subject",
        "description",
        "occurred_on",
        "contact_name",
        "contact_email",
        "contact_phone",
        "website",
    ]

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.providers = {p.pk: p for p in providers}
        self.fields["provider"].choices = [
            ("", _("Not about a particular provider, or I do not know")),
            *[(p.pk, p.name) for p in providers],
        ]
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get(self.add_prefix("website"), "").strip())

    def clean_provider(self):
        pk = self.cleaned_data.get("provider")
        return self.providers.get(pk) if pk is not None else None


class CaseRegisterForm(_CaseContentFields, _CaseContactFields):
    """Quality staff register a case received by telephone or letter."""

    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None)
    kind = forms.ChoiceField(label=_("Type"), choices=CaseKind.choices, initial=CaseKind.COMPLAINT)
    provider = _case_provider_field()
    severity = forms.ChoiceField(
        label=_("Severity"),
        required=False,
        choices=[("", _("Not assessed"))] + list(Severity.choices),
    )
    identity_number = IdentityNumberField(
        label=_("The citizen's personal identity number"),
        required=False,
        help_text=_(
            "Optional: links the case to a citizen in the municipality's register. "
            "The look-up is written to the audit log."
        ),
    )

    field_order = [
        "municipality",
        "kind",
        "provider",
        "severity",
        "subject",
        "description",
        "occurred_on",
        "identity_number",
        "contact_name",
        "contact_email",
        "contact_phone",
    ]

    def __init__(self, *args, municipalities, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        if len(municipalities) == 1:
            self.fields["municipality"].initial = municipalities[0]
        self.providers = {p.pk: p for p in providers}
        self.fields["provider"].choices = [
            ("", _("Not about a particular provider")),
            *[(p.pk, p.name) for p in providers],
        ]
        self.fields["contact_name"].label = _("Name of the person who got in touch")

    def clean_provider(self):
        pk = self.cleaned_data.get("provider")
        return self.providers.get(pk) if pk is not None else None


class CaseFilterForm(_CaseForm):
    """The case list's filters, in the query string."""

    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=None, required=False, empty_label=_("All")
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + list(CaseStatus.choices)
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All"))] + list(CaseKind.choices)
    )
    provider = forms.ModelChoiceField(
        label=_("Provider"), queryset=None, required=False, empty_label=_("All")
    )
    handler = forms.ChoiceField(label=_("Handler"), required=False)

    def __init__(self, *args, municipalities, providers, handlers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.fields["provider"].queryset = providers
        self.handlers = {str(u.pk): u for u in handlers}
        self.fields["handler"].choices = [
            ("", _("All")),
            (CASE_NO_HANDLER, _("Nobody yet")),
            *[(pk, str(u)) for pk, u in self.handlers.items()],
        ]

    def clean_handler(self):
        value = self.cleaned_data.get("handler")
        if value == CASE_NO_HANDLER:
            return value
        return self.handlers.get(value)


class CaseAssignForm(_CaseForm):
    handler = forms.ModelChoiceField(label=_("Handler"), queryset=None)

    def __init__(self, *args, handlers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers


class CaseTransitionForm(_CaseForm):
    """Move a case on: the next statuses the workflow allows, the reply (required to answer)
    and a comment for the history."""

    to = forms.ChoiceField(label=_("New status"), widget=forms.RadioSelect)
    reply = forms.CharField(
        label=_("Reply"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        help_text=_(
            "Required to mark the case answered. It is e-mailed to the contact's address, "
            "if one was given."
        ),
    )
    comment = forms.CharField(
        label=_("Comment for the history"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, case, **kwargs):
        kwargs.setdefault("initial", {"reply": case.reply})
        super().__init__(*args, **kwargs)
        labels = dict(CaseStatus.choices)
        self.fields["to"].choices = [
            (status, labels[status])
            for status in CaseStatus.values
            if status in CASE_TRANSITIONS.get(case.status, set())
        ]


class ProviderCaseReportForm(_CaseContentFields):
    """A provider reports a deviation or a Lex Sarah event to a municipality it has a contract
    with. `report_for` is "<provider id>-<municipality id>"."""

    report_for = forms.ChoiceField(label=_("Provider and municipality"))
    kind = forms.ChoiceField(
        label=_("Type"),
        widget=forms.RadioSelect,
        choices=[(k, CaseKind(k).label) for k in (CaseKind.DEVIATION, CaseKind.LEX_SARAH)],
    )
    severity = forms.ChoiceField(
        label=_("Severity"), widget=forms.RadioSelect, choices=Severity.choices
    )

    field_order = ["report_for", "kind", "severity", "subject", "description", "occurred_on"]

    def __init__(self, *args, pairs, **kwargs):
        super().__init__(*args, **kwargs)
        self.pairs = {f"{p.pk}-{m.pk}": (p, m) for p, m in pairs}
        self.fields["report_for"].choices = [
            (key, f"{p.name} – {m.name}") for key, (p, m) in self.pairs.items()
        ]
        self.fields["description"].help_text = _(
            "Describe what happened, the consequences and what you have done. Do not write "
            "personal identity numbers."
        )

    def clean_report_for(self):
        return self.pairs[self.cleaned_data["report_for"]]


class CaseStatementForm(_CaseForm):
    statement = forms.CharField(
        label=_("Your statement"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        help_text=_("What you have found out and what you have done or will do."),
    )


# --- Quality reports --------------------------------------------------------------------------


class QualityReportStartForm(forms.Form):
    """Start a quality report: one of the user's municipalities or their cooperations, and a
    year (the service checks the year's range)."""

    scope = forms.ChoiceField(label=_("Municipality or cooperation"))
    year = forms.IntegerField(label=_("Year"), min_value=LOV_FIRST_YEAR, max_value=2100)

    def __init__(self, *args, scopes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [
            (
                scope.key,
                _("%(name)s (cooperation)") % {"name": scope.label}
                if scope.cooperation is not None
                else scope.label,
            )
            for scope in scopes
        ]


# --- Board statistics -------------------------------------------------------------------------


class StatisticsForm(forms.Form):
    """Choose one of one's municipalities and a year (a GET form)."""

    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Municipality"), queryset=None, to_field_name="code", empty_label=None
    )
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int)

    def __init__(self, *args, municipalities, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.fields["year"].choices = [(year, str(year)) for year in years]
