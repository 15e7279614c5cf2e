"""The municipality's compensation rules as plain functions: which rules apply to a month, and
which time band a visit falls in. Used by the visit import and by the invoice run."""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays

from .constants import TimeBand
from .models import BillingRules

DEFAULT_RULES = BillingRules()  # the field defaults, for a municipality with no rules yet


def rules_for(municipality_id: int, day: datetime.date) -> BillingRules:
    """The rules in force on `day` (an invoice run passes the first day of the month)."""
    rules = (
        BillingRules.objects.filter(municipality_id=municipality_id, valid_from__lte=day)
        .order_by("-valid_from")
        .prefetch_related("service_rules")
        .first()
    )
    return rules or DEFAULT_RULES


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("SE", years=year, language="sv").keys())


def is_weekend_or_holiday(day: datetime.date) -> bool:
    return day.weekday() >= 5 or day in _public_holidays(day.year)


def time_band(starts_at: datetime.datetime, rules: BillingRules) -> str:
    """The band of a visit by its local start time: weekend and public holidays all day, else
    day, evening or night by the hours in the rules."""
    if is_weekend_or_holiday(starts_at.date()):
        return TimeBand.WEEKEND
    hour = starts_at.hour
    if rules.day_starts <= hour < rules.evening_starts:
        return TimeBand.DAY
    if rules.evening_starts <= hour < rules.night_starts:
        return TimeBand.EVENING
    return TimeBand.NIGHT


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day of the month `month` lies in."""
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def cutoff(month: datetime.date, rules: BillingRules) -> datetime.date:
    """The last day on which a visit of `month` may be registered and still be paid."""
    _first, last = month_bounds(month)
    return last + datetime.timedelta(days=rules.cutoff_day)
