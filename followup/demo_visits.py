"""Demo data for follow-up visits: a carried-out visit of a private provider in Munkedal with
two findings, one awaiting an overdue action plan and one noted. Idempotent."""

from __future__ import annotations

import datetime

from django.utils import timezone

from lov_portal.accounts.constants import Role

from . import services
from .constants import Severity, VisitKind
from .models import FollowUpVisit

DEMO_PURPOSE = (
    "Årlig uppföljning enligt förfrågningsunderlaget: ledningssystem, genomförandeplaner, "
    "kontinuitet och rutiner för synpunkter och klagomål."
)


def _quality_officer(municipality):
    from lov_portal.accounts.models import User

    return (
        User.objects.filter(
            is_active=True,
            role_assignments__role=Role.QUALITY_OFFICER,
            role_assignments__municipality=municipality,
        )
        .order_by("pk")
        .first()
    )


def seed_visits(*, municipality, actor) -> None:
    """A carried-out follow-up visit of the first private provider with an active contract in
    `municipality` (does nothing when there is none, or when the demo visit exists)."""
    from providers.selectors import provider_list_active_in

    provider = (
        provider_list_active_in(municipality_ids=[municipality.pk])
        .filter(is_in_house=False)
        .first()
    )
    officer = actor or _quality_officer(municipality)
    if provider is None or officer is None:
        return
    if FollowUpVisit.objects.filter(
        municipality=municipality, provider=provider, purpose=DEMO_PURPOSE
    ).exists():
        return
    today = timezone.localdate()
    visited = today - datetime.timedelta(days=42)
    visit = services.visit_plan(
        municipality=municipality,
        provider=provider,
        kind=VisitKind.ROUTINE,
        planned_on=visited,
        purpose=DEMO_PURPOSE,
        officer=officer,
        actor=actor,
    )
    items = list(visit.checklist.all())
    plans_item = next((i for i in items if "kvalitetsarbete" in i.text), None)
    services.checklist_record(
        visit=visit,
        entries={
            item.pk: (
                ("not_met", "Genomförandeplaner saknas för tre kunder.")
                if item == plans_item
                else ("met", "")
            )
            for item in items
        },
        actor=actor,
    )
    services.finding_add(
        visit=visit,
        text=(
            "Genomförandeplaner saknas för tre av tio granskade kunder. Utföraren ska upprätta "
            "planerna tillsammans med kunderna och beskriva hur det följs upp."
        ),
        severity=Severity.HIGH,
        checklist_item=plans_item,
        plan_deadline=visited + datetime.timedelta(days=28),
        actor=actor,
        today=visited,
    )
    services.finding_add(
        visit=visit,
        text="Kunderna beskriver ett gott bemötande; nyckelhanteringen följer rutinen.",
        severity=Severity.LOW,
        actor=actor,
        today=visited,
    )
    services.visit_carry_out(
        visit=visit,
        carried_out_on=visited,
        summary=(
            "Besök på enheten och intervjuer med enhetschef och två medarbetare. Tio "
            "genomförandeplaner granskades. En åtgärdsplan begärs."
        ),
        actor=actor,
        today=today,
    )
