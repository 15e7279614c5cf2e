"""Demo cases for a municipality (Munkedal in the demo): a complaint about missed visits sent
through the public form, handled and answered, and a deviation a provider reported. Idempotent:
a case whose demo subject already exists in the municipality is not made again. Everything goes
through the services, so numbers, history, audit and e-mail are as in real use."""

from datetime import timedelta

from django.utils import timezone

from lov_portal.accounts.constants import Role
from lov_portal.accounts.models import RoleAssignment

from . import services
from .constants import CaseKind, CaseStatus, Severity
from .models import Case
from .selectors import case_register_provider_choices

COMPLAINT_SUBJECT = "Uteblivna besök på morgonen"
DEVIATION_SUBJECT = "Missat kvällsbesök"


def _demo_provider(municipality):
    """A private provider in the municipality's catalogue (else any provider there)."""
    providers = case_register_provider_choices(municipality=municipality)
    private = [p for p in providers if not p.is_in_house]
    return (private or providers or [None])[0]


def _provider_user(provider):
    assignment = (
        RoleAssignment.objects.filter(provider=provider, role=Role.PROVIDER_USER)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return assignment.user if assignment else None


def seed_cases(*, municipality, actor) -> None:
    """`actor`: a quality officer of the municipality, who handles the complaint."""
    provider = _demo_provider(municipality)
    if provider is None:
        return
    provider_user = _provider_user(provider)
    today = timezone.localdate()
    existing = set(
        Case.objects.filter(
            municipality=municipality, subject__in=[COMPLAINT_SUBJECT, DEVIATION_SUBJECT]
        ).values_list("subject", flat=True)
    )
    if COMPLAINT_SUBJECT not in existing:
        case = services.case_submit_public(
            municipality=municipality,
            provider=provider,
            subject=COMPLAINT_SUBJECT,
            description=(
                "Min mamma skulle få hjälp med frukost och medicin klockan 8 på tisdag och "
                "onsdag förra veckan, men ingen kom. Hon ringde utföraren men fick inget svar. "
                "Det är tredje gången den här månaden."
            ),
            occurred_on=today - timedelta(days=9),
            contact_name="Eva Anhörig",
            contact_email="eva.anhorig@example.se",
            contact_phone="070-000 00 00",
        )
        services.case_transition(
            case=case,
            to=CaseStatus.INVESTIGATING,
            actor=actor,
            comment="Utföraren ombedd att yttra sig inom en vecka.",
        )
        if provider_user is not None:
            services.case_statement_submit(
                case=case,
                statement=(
                    "Besöken uteblev på grund av sjukfrånvaro och ett fel i schemaläggningen. "
                    "Vi har infört en kontroll varje morgon av att alla besök är bemannade och "
                    "ringt kunden och hennes dotter för att be om ursäkt."
                ),
                actor=provider_user,
            )
        services.case_transition(
            case=case,
            to=CaseStatus.ANSWERED,
            actor=actor,
            reply=(
                "Tack för att du hörde av dig. Vi har utrett klagomålet tillsammans med "
                "utföraren. Besöken uteblev på grund av ett fel i schemaläggningen; utföraren "
                "kontrollerar nu varje morgon att alla besök är bemannade. Vi följer upp detta "
                "vid vår nästa uppföljning av utföraren. Hör av dig om det händer igen."
            ),
        )
    if DEVIATION_SUBJECT not in existing and provider_user is not None:
        services.case_report_by_provider(
            provider=provider,
            municipality=municipality,
            kind=CaseKind.DEVIATION,
            severity=Severity.MEDIUM,
            subject=DEVIATION_SUBJECT,
            description=(
                "Kvällsbesöket hos en kund uteblev eftersom den ordinarie personalen var sjuk "
                "och ersättaren inte fick besöket i sin körlista. Kunden fick hjälp av sin "
                "granne. Vi har gått igenom rutinen för överlämning vid sjukdom."
            ),
            occurred_on=today - timedelta(days=3),
            actor=provider_user,
        )
