"""Reads of the needs assessment app, scoped by the user's role and municipality.

A missing citizen and one in another municipality give the same 404. Views log every read of
a citizen's data (`audit_log`)."""

from datetime import timedelta

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from lov_portal.accounts.constants import Role
from lov_portal.core.identity import parse_identity_number
from lov_portal.permissions import user_scope
from providers.selectors import contract_list_serving

from .constants import ACTIVE_ORDER_STATUSES, DecisionStatus, OrderStatus
from .models import Citizen, Decision, Order


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
