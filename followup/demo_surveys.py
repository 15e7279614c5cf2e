"""Demo survey results for one municipality (Munkedal in seed_demo): every provider with a
contract there, in-house included, for last year and this year, on every indicator; one
private provider with only 4 answers on NKI this year, which is stored and never published.
The years follow the calendar, so the demo always shows this year's results."""

from decimal import Decimal

from django.utils import timezone

from lov_portal.core.selectors import service_type_list
from providers.selectors import provider_list_for_municipality

from .models import SurveyResult
from .selectors import indicator_list
from .services import survey_result_save

# Base value per indicator (per cent, NKI index, continuity in staff per 14 days).
BASE = {
    "overall_satisfaction": 88,
    "influence_times": 61,
    "wishes_respected": 84,
    "tasks_done_well": 90,
    "enough_time": 72,
    "on_time": 78,
    "changes_announced": 59,
    "feels_safe": 86,
    "good_treatment": 95,
    "nki": 74,
    "continuity": 14,
}


def seed_surveys(*, municipality, actor) -> None:
    if SurveyResult.objects.filter(municipality=municipality).exists():
        return
    service = service_type_list().filter(code="hemtjanst-omvardnad").first()
    if service is None:
        return
    providers = list(provider_list_for_municipality(municipality_id=municipality.pk))
    this_year = timezone.localdate().year
    for n, provider in enumerate(sorted(providers, key=lambda p: p.pk)):
        for year in (this_year - 1, this_year):
            later = year - (this_year - 1)  # 0 last year, 1 this year
            for indicator in indicator_list():
                shift = (n * 3 - 2) + later * 2
                if indicator.code == "continuity":
                    value = Decimal(BASE[indicator.code] + n - later)
                else:
                    value = Decimal(min(100, BASE[indicator.code] + shift))
                respondents = 18 + 7 * n
                if n == 1 and year == this_year and indicator.code == "nki":
                    respondents = 4  # a small group: stored, never published
                survey_result_save(
                    municipality=municipality,
                    provider=provider,
                    service_type=service,
                    indicator=indicator,
                    year=year,
                    value=value,
                    respondents=respondents,
                    actor=actor,
                )
