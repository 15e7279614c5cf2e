"""Reads of the needs assessment app, scoped by the user's role and municipality.

A missing citizen and one in another municipality give the same 404. Views log every read of
a citizen's data (`audit_log`)."""

from calendar import monthrange
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import ExtractMonth
from django.shortcuts import get_object_or_404

from lov_portal.accounts.constants import Role
from lov_portal.core.identity import parse_identity_number
from lov_portal.core.prepared import PreparedStatement
from lov_portal.permissions import user_scope
from providers.selectors import contract_list_serving

from .constants import ACTIVE_ORDER_STATUSES, DecisionStatus, OrderStatus
from .models import Choice, Citizen, Decision, Order


def citizen_list_for_user(*, user) -> QuerySet[Citizen]:
    ids = user_scope(user).municipality_ids(Role.NEEDS_ASSESSOR)
    return Citizen.objects.filter(municipality__in=ids).select_related("municipality", "area")


def citizen_get_for_user(*, user, pk: int) -> Citizen:
    return get_object_or_404(citizen_list_for_user(user=user), pk=pk)


def citizen_find_for_user(*, user, identity_number: str) -> Citizen | None:
    """The citizen with this number in the user's municipalities, or None. A malformed number
    raises ValidationError. A citizen of another municipality is not revealed."""
    number = parse_identity_number(identity_number)
    return citizen_list_for_user(user=user).filter(identity_number=number.digits).first()


def citizen_find_in_municipality(*, municipality_id: int, identity_number: str) -> Citizen | None:
    """The citizen with this number in one municipality's register, or None; for other roles'
    services that link a record to a citizen (e.g. a complaint a quality officer registers).
    The caller checks its own permission on the municipality and audits the read. A malformed
    number raises ValidationError."""
    number = parse_identity_number(identity_number)
    return Citizen.objects.filter(
        municipality_id=municipality_id, identity_number=number.digits
    ).first()


def citizen_shows_address(*, user, citizen: Citizen) -> bool:
    """Protected identity hides the address and contacts from everyone not explicitly allowed."""
    if not citizen.protected_identity:
        return True
    return user.has_perm("assessments.view_protected_address", citizen)


def decision_list_for_user(*, user):
    return (
        Decision.objects.filter(citizen__in=citizen_list_for_user(user=user))
        .select_related("citizen", "assessor")
        .prefetch_related("services__service_type")
    )


def decision_get_for_user(*, user, pk: int):

    return get_object_or_404(decision_list_for_user(user=user), pk=pk)


def order_list_for_provider_user(*, user):
    """The orders of the providers the user works for; nobody else's."""
    return (
        Order.objects.filter(provider__in=user_scope(user).provider_ids)
        .select_related("decision__citizen", "service_type", "provider")
        .order_by("status", "-created_at")
    )


def order_get_for_provider_user(*, user, pk: int):

    return get_object_or_404(order_list_for_provider_user(user=user), pk=pk)


def order_list_active(*, citizen, service_type) -> QuerySet:
    """The citizen's active order (sent or confirmed) for a service: at most one."""
    return Order.objects.filter(
        decision__citizen=citizen, service_type=service_type, status__in=ACTIVE_ORDER_STATUSES
    ).order_by("-created_at")


def choice_providers_for(*, decision, service_type):
    """The providers a citizen may choose for a service: active contracts that cover the
    service at the citizen's address (area)."""
    citizen = decision.citizen
    contracts = contract_list_serving(
        municipality=citizen.municipality, service_type=service_type, area=citizen.area
    )
    return sorted({c.provider for c in contracts}, key=lambda p: p.name.casefold())


WORKSPACE_ROWS = 20


def workspace_for_assessor(*, user, today) -> dict:
    """The assessor's work list: own recent decisions, decisions ending within 30 days, and
    orders the providers have not confirmed yet — in the user's municipalities."""
    decisions = decision_list_for_user(user=user)
    return {
        "my_decisions": decisions.filter(assessor=user, status=DecisionStatus.DECIDED).order_by(
            "-decision_date", "-pk"
        )[:WORKSPACE_ROWS],
        "due_for_follow_up": decisions.filter(
            status=DecisionStatus.DECIDED,
            valid_to__isnull=False,
            valid_to__lte=today + timedelta(days=30),
        ).order_by("valid_to")[:WORKSPACE_ROWS],
        "unconfirmed_orders": Order.objects.filter(
            decision__citizen__in=citizen_list_for_user(user=user), status=OrderStatus.SENT
        )
        .select_related("decision__citizen", "provider", "service_type")
        .order_by("created_at")[:WORKSPACE_ROWS],
    }


INVOICED_ORDER_STATUSES = (OrderStatus.CONFIRMED, OrderStatus.ENDED)


def order_list_for_invoicing(*, municipality_id: int, first, last) -> QuerySet[Order]:
    """Orders of the municipality's citizens that the provider had started and that were
    active on some day between `first` and `last` (for the monthly invoice run)."""
    return Order.objects.filter(
        decision__citizen__municipality_id=municipality_id,
        status__in=INVOICED_ORDER_STATUSES,
        starts_on__isnull=False,
        starts_on__lte=last,
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))


def order_map_for_provider(*, provider, pks) -> dict[int, Order]:
    """The provider's own orders among `pks`, by id, with their citizens (for matching
    delivered visits to orders)."""
    return (
        Order.objects.filter(provider=provider, pk__in=pks)
        .select_related("decision__citizen")
        .in_bulk()
    )


# What the invoice run reads of an order, in this order (billing.engine.OrderRow).
ORDER_ROW_FIELDS = (
    "pk",
    "service_type_id",
    "service_type__name",
    "contract_id",
    "contract__request_id",
    "granted_hours",
    "unit",
    "starts_on",
    "requested_start",
    "ends_on",
    "decision__citizen_id",
    "decision__citizen__area__rate_zone",
)

# order_list_for_invoicing(...).filter(provider_id=...).values_list(*ORDER_ROW_FIELDS) written
# out in SQL and prepared on the connection: the run reads a provider's orders in each of its
# 200 tasks, and building the query through the ORM, PostgreSQL planning its six-table join
# and values_list building its rows cost about 1.5 ms a task (0.3 s of a run's 4.5 s of work
# on the bench data). tests/assessments/test_order_rows.py requires both to agree.
_ORDER_ROWS = PreparedStatement(
    "assessments_order_rows",
    """
SELECT o.id, o.service_type_id, st.name, o.contract_id, c.request_id, o.granted_hours, o.unit,
       o.starts_on, o.requested_start, o.ends_on, d.citizen_id, a.rate_zone
FROM assessments_order o
JOIN assessments_decision d ON d.id = o.decision_id
JOIN assessments_citizen ci ON ci.id = d.citizen_id
JOIN core_servicetype st ON st.id = o.service_type_id
JOIN providers_contract c ON c.id = o.contract_id
LEFT JOIN core_area a ON a.id = ci.area_id
WHERE o.provider_id = %(provider)s AND ci.municipality_id = %(municipality)s
    AND o.status = ANY(%(statuses)s)
    AND o.starts_on IS NOT NULL AND o.starts_on <= %(last)s
    AND (o.ends_on IS NULL OR o.ends_on >= %(first)s)
ORDER BY o.id
""",
    {
        "provider": "bigint",
        "municipality": "bigint",
        "statuses": "text[]",
        "first": "date",
        "last": "date",
    },
)


def order_row_query_for_invoicing(*, municipality_id: int, first, last, provider_id: int):
    """The rows of order_rows_for_invoicing through the ORM (SQLite, and the test that the
    SQL reads the same)."""
    return (
        order_list_for_invoicing(municipality_id=municipality_id, first=first, last=last)
        .filter(provider_id=provider_id)
        .order_by("pk")
        .values_list(*ORDER_ROW_FIELDS)
    )


def order_rows_for_invoicing(*, municipality_id: int, first, last, provider_id: int) -> list[tuple]:
    """One provider's orders active in the month as plain rows of ORDER_ROW_FIELDS (no model
    instances: a large provider has tens of thousands)."""
    if connection.vendor != "postgresql":
        return list(
            order_row_query_for_invoicing(
                municipality_id=municipality_id, first=first, last=last, provider_id=provider_id
            )
        )
    with connection.cursor() as cursor:
        _ORDER_ROWS.execute(
            cursor,
            {
                "provider": provider_id,
                "municipality": municipality_id,
                "statuses": [status.value for status in INVOICED_ORDER_STATUSES],
                "first": first,
                "last": last,
            },
        )
        return cursor.fetchall()


# --- Board statistics (read by the quality follow-up app) -----------------------------------


def _choice_events(*, municipality_id: int, year: int) -> QuerySet[Choice]:
    """The choices of the municipality's citizens made in `year` that gave the citizen a new
    provider for the service, each with `previous_provider`: the provider of the citizen's
    previous choice for the same service (by date of choice, then creation), or None.

    A choice of the provider the citizen already had (the copy a new decision version makes,
    or choosing the same provider again) is not an event and is left out."""
    previous = (
        Choice.objects.filter(
            decision__citizen_id=OuterRef("decision__citizen_id"),
            service_type_id=OuterRef("service_type_id"),
        )
        .filter(
            Q(chosen_on__lt=OuterRef("chosen_on"))
            | Q(chosen_on=OuterRef("chosen_on"), pk__lt=OuterRef("pk"))
        )
        .order_by("-chosen_on", "-pk")
        .values("provider_id")[:1]
    )
    return (
        Choice.objects.filter(
            decision__citizen__municipality_id=municipality_id, chosen_on__year=year
        )
        .annotate(previous_provider=Subquery(previous, output_field=IntegerField()))
        .filter(
            Q(previous_provider__isnull=True)
            | Q(previous_provider__lt=F("provider_id"))
            | Q(previous_provider__gt=F("provider_id"))
        )
    )


def _citizens_per_month(choices: QuerySet[Choice]) -> dict[int, int]:
    """Distinct citizens per month of the choice, and in the whole year (key 0)."""
    result = {
        row["month"]: row["n"]
        for row in choices.annotate(month=ExtractMonth("chosen_on"))
        .values("month")
        .annotate(n=Count("decision__citizen_id", distinct=True))
        .order_by()
    }
    result[0] = choices.aggregate(n=Count("decision__citizen_id", distinct=True))["n"]
    return result


def choice_statistics(*, municipality_id: int, year: int) -> dict:
    """The board's figures on choices of the municipality's citizens in `year`, per month of
    the date of the choice (key 0: the whole year), grouped in SQL:

    - chose: distinct citizens who chose a provider themselves for a service they had no
      provider for before;
    - no_choice: distinct citizens given a provider by the no-choice alternative;
    - changes: choices by the citizen of another provider than the one they had for the
      service (changes of provider), and changes_by_reason: the same per stated reason
      ("" where none was recorded)."""
    events = _choice_events(municipality_id=municipality_id, year=year)
    own = events.filter(no_choice_rule="")
    changes = own.filter(previous_provider__isnull=False)
    change_counts = {0: 0}
    by_reason: dict[str, dict[int, int]] = {}
    for row in (
        changes.annotate(month=ExtractMonth("chosen_on"))
        .values("change_reason", "month")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        for months in (change_counts, by_reason.setdefault(row["change_reason"], {0: 0})):
            months[row["month"]] = months.get(row["month"], 0) + row["n"]
            months[0] += row["n"]
    return {
        "chose": _citizens_per_month(own.filter(previous_provider__isnull=True)),
        "no_choice": _citizens_per_month(events.exclude(no_choice_rule="")),
        "changes": change_counts,
        "changes_by_reason": by_reason,
    }


def active_order_counts(*, municipality_id: int, year: int, until) -> list[dict]:
    """Orders of the municipality's citizens per provider that were active (started, as the
    provider confirmed, and not ended) at the end of each month of `year` up to `until` (for
    the month of `until`: on that day), and on some day of the year up to `until` (key 0).
    One grouped query with a conditional count per month.

    [{"provider_id", "name", "is_in_house", "months": {month: n, ..., 0: n}}] by name."""
    first = date(year, 1, 1)
    last = min(date(year, 12, 31), until)
    if last < first:
        return []
    counts = {}
    for month in range(1, last.month + 1):
        day = min(date(year, month, monthrange(year, month)[1]), last)
        counts[f"m{month}"] = Count(
            "pk", filter=Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        )
    rows = (
        Order.objects.filter(
            decision__citizen__municipality_id=municipality_id,
            starts_on__isnull=False,
            starts_on__lte=last,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
        .values("provider_id", name=F("provider__name"), is_in_house=F("provider__is_in_house"))
        .annotate(year_total=Count("pk"), **counts)
        .order_by("name", "provider_id")
    )
    return [
        {
            "provider_id": row["provider_id"],
            "name": row["name"],
            "is_in_house": row["is_in_house"],
            "months": {
                0: row["year_total"],
                **{m: row[f"m{m}"] for m in range(1, last.month + 1)},
            },
        }
        for row in rows
    ]


def citizen_number_taken(*, identity_number: str) -> bool:
    """Whether a citizen with this number is registered anywhere (for idempotent demo data;
    never shown to a user, who sees only their own municipality's citizens)."""
    return Citizen.objects.filter(
        identity_number=parse_identity_number(identity_number).digits
    ).exists()
