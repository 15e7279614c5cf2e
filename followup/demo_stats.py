"""Demo rows for the board statistics: a few citizens of Munkedal (1430) who chose a provider,
got the no-choice alternative or changed provider, with confirmed orders, spread over the last
ten months. Built through the assessments services; idempotent (a second run adds nothing).
seed_demo calls `seed_stats` once the providers and contracts exist."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from assessments import services as assessments
from assessments.constants import ChangeReason, GrantUnit, HelpedBy
from assessments.selectors import choice_providers_for, citizen_number_taken
from lov_portal.core.selectors import service_type_list

# Fictional people born 1912-12-12 (Skatteverket's test date), Luhn-valid, serials 071–076.
CITIZENS = [
    # (identity number, first name, last name, postal code)
    ("19121212-0719", "Astrid", "Demosson", "45530"),
    ("19121212-0727", "Bengt", "Demosson", "45531"),
    ("19121212-0735", "Cecilia", "Exempelsson", "45532"),
    ("19121212-0743", "David", "Exempelsson", "45533"),
    ("19121212-0750", "Elsa", "Provsson", "45530"),
    ("19121212-0768", "Folke", "Provsson", "45531"),
]

# Per citizen: (days ago, "in_house" / "private" / "no_choice", change reason or ""). The
# private provider (Bohus) was approved 30 days before the demo's today, so it is chosen only
# since then.
EVENTS = {
    0: [(300, "in_house", "")],
    1: [(270, "in_house", ""), (20, "private", ChangeReason.DISSATISFIED)],
    2: [(250, "no_choice", "")],
    3: [(190, "in_house", ""), (8, "private", ChangeReason.NEEDS_CHANGED)],
    4: [(110, "no_choice", "")],
    5: [(25, "private", "")],
}


def seed_stats(*, municipality, actor) -> None:
    """Choices and orders for Munkedal's demo citizens (skipped when they exist)."""
    if citizen_number_taken(identity_number=CITIZENS[0][0]):
        return
    today = timezone.localdate()
    care = service_type_list().get(code="hemtjanst-omvardnad")
    with transaction.atomic():
        for index, (number, first_name, last_name, postal_code) in enumerate(CITIZENS):
            events = EVENTS[index]
            first_day = today - timedelta(days=events[0][0])
            citizen = assessments.citizen_register(
                identity_number=number,
                municipality=municipality,
                first_name=first_name,
                last_name=last_name,
                street_address="Demovägen 1",
                postal_code=postal_code,
                city="Munkedal",
                actor=actor,
            )
            decision = assessments.decision_draft_create(
                citizen=citizen,
                valid_from=first_day - timedelta(days=7),
                services=[(care, 24, GrantUnit.HOURS_PER_MONTH)],
                reasons="Behov av stöd med personlig omvårdnad.",
                actor=actor,
            )
            decision = assessments.decision_decide(
                decision=decision, decision_date=first_day - timedelta(days=7), actor=actor
            )
            for days_ago, kind, reason in events:
                on = today - timedelta(days=days_ago)
                if kind == "no_choice":
                    order = assessments.no_choice_apply(
                        decision=decision, service_type=care, on=on, actor=actor
                    )
                else:
                    providers = choice_providers_for(decision=decision, service_type=care)
                    provider = next(p for p in providers if p.is_in_house == (kind == "in_house"))
                    order = assessments.choice_record(
                        decision=decision,
                        service_type=care,
                        provider=provider,
                        chosen_on=on,
                        helped_by=HelpedBy.RELATIVE if index % 2 else HelpedBy.SELF,
                        change_reason=reason,
                        actor=actor,
                    )
                assessments.order_confirm(order=order, starts_on=order.requested_start, actor=actor)
