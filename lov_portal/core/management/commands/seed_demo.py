"""Demo data for the four municipalities of norra Bohuslän (NoBo). Idempotent.

Municipality codes are SCB's. Postal codes are the real ones of the main localities, grouped
into demo areas (not a complete postal-code register). Organisation numbers are fictional
(series 9990xx, Luhn-valid) and belong to no real organisation. Demo passwords exist only where
settings.DEMO_PASSWORDS_ALLOWED (development and tests); production refuses this command.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from stdnum import luhn
from weasyprint import HTML

from billing.constants import ProviderKind, RateUnit, TimeBand
from billing.models import BillingRules, Rate
from billing.services import billing_rules_create, rate_create
from lov_portal.accounts.constants import Role
from lov_portal.accounts.models import RoleAssignment, User
from lov_portal.accounts.services import role_assign, user_create
from lov_portal.core.constants import NoChoiceRule, RateZone, ServiceCategory
from lov_portal.core.models import Area, ServiceType
from lov_portal.core.services import (
    area_upsert,
    cooperation_upsert,
    municipality_upsert,
    service_type_upsert,
)
from lov_portal.core.uploads import validate_upload
from providers.constants import (
    AssessmentResult,
    CapacityUnit,
    EvidenceKind,
    LegalForm,
    PaymentBasis,
    VersionStatus,
)
from providers.models import Provider, RequestForApplications, Requirement
from providers.services import (
    answer_save,
    application_decide,
    application_review_start,
    application_scope_save,
    application_start,
    application_submit,
    assessment_record,
    contract_create_in_house,
    document_store,
    provider_upsert,
    request_create,
    request_publish,
    requirement_add,
    requirement_section_add,
)

DEMO_PASSWORD = "demo-lov-2026"

MUNICIPALITIES = [
    # code, name, board, [(area, zone, postal codes)]
    (
        "1427",
        "Sotenäs",
        "Omsorgsnämnden",
        [
            ("Kungshamn och Väjern", RateZone.URBAN, ["45631", "45632", "45633", "45634"]),
            ("Smögen", RateZone.ISLANDS, ["45043"]),
            ("Hunnebostrand och Bovallstrand", RateZone.RURAL, ["45660", "45661"]),
        ],
    ),
    (
        "1430",
        "Munkedal",
        "Omsorgsnämnden",
        [
            ("Munkedal tätort", RateZone.URBAN, ["45530", "45531", "45532", "45533"]),
            ("Dingle", RateZone.RURAL, ["45561"]),
            ("Hedekas med omnejd", RateZone.SPARSE, ["45591", "45592", "45593"]),
        ],
    ),
    (
        "1435",
        "Tanum",
        "Omsorgsnämnden",
        [
            ("Tanumshede", RateZone.URBAN, ["45730", "45731"]),
            (
                "Kustområdet (Grebbestad, Fjällbacka, Hamburgsund)",
                RateZone.SUBURBAN,
                ["45772", "45740", "45745"],
            ),
            ("Rabbalshede med omnejd", RateZone.RURAL, ["45750"]),
        ],
    ),
    (
        "1484",
        "Lysekil",
        "Socialnämnden",
        [
            ("Lysekil tätort", RateZone.URBAN, ["45330", "45331", "45332", "45333", "45334"]),
            ("Brastad", RateZone.SUBURBAN, ["45430"]),
            ("Skaftö", RateZone.ISLANDS, ["45034", "45046"]),
        ],
    ),
]

SERVICE_TYPES = [
    ("hemtjanst-service", "Hemtjänst – service", "Home help – service", ServiceCategory.HOME_HELP),
    (
        "hemtjanst-omvardnad",
        "Hemtjänst – omvårdnad",
        "Home help – personal care",
        ServiceCategory.HOME_HELP,
    ),
    (
        "delegerad-hsl",
        "Delegerade hälso- och sjukvårdsinsatser",
        "Delegated health care tasks",
        ServiceCategory.HEALTH,
    ),
    ("hemsjukvard", "Hemsjukvård", "Home health care", ServiceCategory.HEALTH),
    ("boendestod", "Boendestöd", "Housing support", ServiceCategory.DISABILITY),
    ("ledsagning", "Ledsagning", "Escort service", ServiceCategory.DISABILITY),
    ("avlosning", "Avlösning", "Relief for family carers", ServiceCategory.OTHER),
    ("familjeradgivning", "Familjerådgivning", "Family counselling", ServiceCategory.OTHER),
    ("daglig-verksamhet", "Daglig verksamhet", "Daily activity", ServiceCategory.DISABILITY),
    ("dagverksamhet", "Dagverksamhet", "Day care", ServiceCategory.OTHER),
    ("sarskilt-boende", "Särskilt boende", "Residential care", ServiceCategory.OTHER),
]

# The municipalities' own names for their organisation (Swedish genitive: Tanums kommun).
MUNICIPAL_ORGANISATION = {
    "1427": "Sotenäs kommun",
    "1430": "Munkedals kommun",
    "1435": "Tanums kommun",
    "1484": "Lysekils kommun",
}

# The town halls, for invoices (Peppol buyer, PDF). The organisation numbers are DEMO values:
# Luhn-valid numbers in the 212000-9xxx series (municipalities' numbers start 212000-), not the
# municipalities' real ones. Where the street address was not certain it says "Kommunhuset",
# with the municipality's main postal code.
MUNICIPAL_ADDRESSES = {
    "1427": ("Parkgatan 46", "45680", "Kungshamn"),
    "1430": ("Centrumvägen 5", "45580", "Munkedal"),
    "1435": ("Kommunhuset", "45781", "Tanumshede"),
    "1484": ("Kommunhuset", "45380", "Lysekil"),
}


def demo_municipal_organisation_number(serial: int) -> str:
    """A Luhn-valid demo organisation number in the 212000-9xxx series."""
    base = f"2120009{serial:02d}"
    return f"{base[:6]}-{base[6:]}{luhn.calc_check_digit(base)}"


def demo_bankgiro(serial: int) -> str:
    """A fictional bankgiro number NNNN-NNNN with a valid check digit (mod 10)."""
    base = f"99{serial:02d}000"
    return f"{base[:4]}-{base[4:]}{luhn.calc_check_digit(base)}"


# Compensation from 2026 (IntraPhone/Solna-style rules, see docs/compensation-rules.md).
BILLING_FROM = date(2026, 1, 1)
BILLING_RULES = {
    "round_evening_night_to": 15,
    "absence_first_day_percent": Decimal(75),
    "absence_later_days_percent": Decimal(25),
    "absence_paid_days": 5,
    "cap_at_granted": True,
    "double_staffing_paid_twice": True,
    "cutoff_day": 5,
    "private_supplement_percent": Decimal("1.5"),
}
# Declined visits (Solna): cleaning 75 %, other service 55 %, personal care 50 %. The demo has
# no separate cleaning service, so "Hemtjänst – service" takes the other-service share.
DECLINED_PERCENT = {
    "hemtjanst-service": Decimal(55),
    "hemtjanst-omvardnad": Decimal(50),
    "delegerad-hsl": Decimal(50),
}
# SEK; day, evening and weekend per hour, night per visit. The same for in-house and private
# providers (private providers get the 1.5 % VAT compensation of the rules on top).
BASE_RATES = {
    TimeBand.DAY: (Decimal(430), RateUnit.PER_HOUR),
    TimeBand.EVENING: (Decimal(480), RateUnit.PER_HOUR),
    TimeBand.NIGHT: (Decimal(260), RateUnit.PER_VISIT),
    TimeBand.WEEKEND: (Decimal(500), RateUnit.PER_HOUR),
}
RATE_SERVICES = ["hemtjanst-service", "hemtjanst-omvardnad"]
RATE_VARIATION = {"1427": Decimal(5), "1430": Decimal(0), "1435": Decimal(10), "1484": Decimal(-5)}
RURAL_SUPPLEMENT = {"1427": Decimal(20), "1435": Decimal(20)}  # SEK per hour in the rural zone

# Demo variety: most use their own provider, as the competition authority recommends.
NO_CHOICE_RULES = {"1435": NoChoiceRule.TURN_ORDER, "1484": NoChoiceRule.ROTATION}

PRIVATE_PROVIDERS = [
    ("Omsorgsbolaget Väst AB", LegalForm.LIMITED_COMPANY, "Kungsgatan 12", "45331", "Lysekil"),
    ("Kustens Hemtjänst AB", LegalForm.LIMITED_COMPANY, "Hamngatan 3", "45632", "Kungshamn"),
    (
        "Hemtjänstkooperativet Bohus ek. för.",
        LegalForm.COOPERATIVE,
        "Storgatan 8",
        "45530",
        "Munkedal",
    ),
]

# email, name, role, municipality code or None, provider index (private) or None
USERS = [
    ("bistand@tanum.example", "Britt Bedömare", Role.NEEDS_ASSESSOR, "1435", None),
    ("namnd@sotenas.example", "Nils Nämnd", Role.BOARD_REVIEWER, "1427", None),
    ("namnd@lysekil.example", "Lena Nämnd", Role.BOARD_REVIEWER, "1484", None),
    ("namnd@tanum.example", "Tore Nämnd", Role.BOARD_REVIEWER, "1435", None),
    ("namnd@munkedal.example", "Maja Nämnd", Role.BOARD_REVIEWER, "1430", None),
    ("upphandling@sotenas.example", "Ulla Upphandlare", Role.PROCUREMENT_OFFICER, "1427", None),
    ("ekonomi@lysekil.example", "Erik Ekonom", Role.FINANCE_OFFICER, "1484", None),
    ("kvalitet@munkedal.example", "Karin Kvalitet", Role.QUALITY_OFFICER, "1430", None),
    ("admin@tanum.example", "Anders Admin", Role.MUNICIPAL_ADMIN, "1435", None),
    ("utforare@omsorgsbolaget.example", "Ulf Utförare", Role.PROVIDER_USER, None, 0),
    ("kontakt@kustenshemtjanst.example", "Karl Kust", Role.PROVIDER_USER, None, 1),
    ("kontakt@bohuskooperativet.example", "Berit Bohus", Role.PROVIDER_USER, None, 2),
    ("sysadmin@lov-portalen.example", "Sara Systemadmin", Role.SYSTEM_ADMIN, None, None),
]


# The demo request for applications of the NoBo cooperation: (section, [(requirement, evidence,
# max age in days, tracks expiry)]), after the typical application package of LOV municipalities.
DEMO_REQUEST_REFERENCE = "NOBO-HT-2026"
IN_HOUSE_CONTRACTS_FROM = date(2026, 1, 1)
DEMO_REQUIREMENTS = [
    (
        "Tillstånd och registrering",
        [
            ("Tillstånd från IVO att bedriva hemtjänst.", EvidenceKind.DOCUMENT, None, True),
            (
                "Registreringsbevis från Bolagsverket (gäller ej enskild firma).",
                EvidenceKind.DOCUMENT,
                None,
                False,
            ),
            (
                "Utföraren är godkänd för F-skatt eller FA-skatt.",
                EvidenceKind.DECLARATION,
                None,
                False,
            ),
        ],
    ),
    (
        "Ekonomi och försäkringar",
        [
            (
                "Utfärdandedatum för Skatteverkets blankett SKV 4820 (högst två månader gammal).",
                EvidenceKind.DATE,
                60,
                False,
            ),
            ("Ansvarsförsäkring som täcker verksamheten.", EvidenceKind.DOCUMENT, None, True),
            (
                "Senaste årsredovisningen (gäller ej nystartade företag).",
                EvidenceKind.DOCUMENT,
                None,
                False,
            ),
        ],
    ),
    (
        "Verksamhet och kvalitet",
        [
            (
                "Verksamhetsbeskrivning enligt kommunens mall (publiceras i kundvalskatalogen).",
                EvidenceKind.TEXT,
                None,
                False,
            ),
            ("Beskriv bemanning och personalens kompetens.", EvidenceKind.TEXT, None, False),
            ("CV för verksamhetschefen med referenser.", EvidenceKind.DOCUMENT, None, False),
            (
                "Utföraren har ett ledningssystem för systematiskt kvalitetsarbete (SOSFS 2011:9).",
                EvidenceKind.DECLARATION,
                None,
                False,
            ),
            (
                "Utföraren har rutiner för lex Sarah, klagomål, nycklar, tolk och krisberedskap.",
                EvidenceKind.DECLARATION,
                None,
                False,
            ),
        ],
    ),
]


# Private providers (index in PRIVATE_PROVIDERS) already approved by these municipalities.
# Omsorgsbolaget Väst AB (index 0, the demo provider login) has not applied yet.
APPROVED_APPLICATIONS = [(1, ["1427", "1435"]), (2, ["1430", "1484"])]


def demo_upload(title: str) -> SimpleUploadedFile:
    """A small real PDF, checked like any upload."""
    pdf = HTML(string=f"<h1>Demounderlag</h1><p>{title}</p>").write_pdf()
    upload = SimpleUploadedFile("underlag.pdf", pdf, "application/pdf")
    upload.validated = validate_upload(upload)
    return upload


def demo_organisation_number(serial: int) -> str:
    """A fictional, Luhn-valid organisation number in the 9990xx series."""
    base = f"9990{serial:05d}"
    return f"{base[:6]}-{base[6:]}{luhn.calc_check_digit(base)}"


class Command(BaseCommand):
    help = "Create or refresh demo data: NoBo municipalities, areas, services, providers, users."

    def handle(self, *args, **options):
        if not settings.DEMO_PASSWORDS_ALLOWED:
            raise CommandError(
                "Demo data with demo passwords is refused here (production settings)."
            )
        with transaction.atomic():
            self._seed()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins are listed in README.md."))

    def _seed(self) -> None:
        actor = None  # the system itself
        municipalities = {}
        for code, name, board, areas in MUNICIPALITIES:
            municipality = municipality_upsert(
                code=code,
                name=name,
                board_name=board,
                organisation_name=MUNICIPAL_ORGANISATION[code],
                no_choice_rule=NO_CHOICE_RULES.get(code, NoChoiceRule.IN_HOUSE),
                organisation_number=demo_municipal_organisation_number(
                    list(MUNICIPAL_ORGANISATION).index(code) + 1
                ),
                street_address=MUNICIPAL_ADDRESSES[code][0],
                postal_code=MUNICIPAL_ADDRESSES[code][1],
                city=MUNICIPAL_ADDRESSES[code][2],
                actor=actor,
            )
            municipalities[code] = municipality
            for area_name, zone, postal_codes in areas:
                area_upsert(
                    municipality=municipality,
                    name=area_name,
                    rate_zone=zone,
                    postal_codes=postal_codes,
                    actor=actor,
                )
        cooperation = cooperation_upsert(
            name="Norra Bohuslän (NoBo)", municipalities=list(municipalities.values()), actor=actor
        )
        for ordering, (code, name, name_en, category) in enumerate(SERVICE_TYPES):
            service_type_upsert(
                code=code,
                name=name,
                name_en=name_en,
                category=category,
                ordering=ordering,
                actor=actor,
            )

        serial = 1
        for municipality in municipalities.values():
            provider_upsert(
                organisation_number=demo_organisation_number(serial),
                name=f"{municipality.organisation} – hemtjänst i egen regi",
                legal_form=LegalForm.MUNICIPALITY,
                has_f_tax=False,
                is_in_house=True,
                in_house_municipality=municipality,
                email=f"hemtjanst@{municipality.name.lower().replace('ä', 'a')}.example",
                bankgiro=demo_bankgiro(serial),
                actor=actor,
            )
            serial += 1
        private = []
        for name, legal_form, street, postal_code, city in PRIVATE_PROVIDERS:
            private.append(
                provider_upsert(
                    organisation_number=demo_organisation_number(serial),
                    name=name,
                    legal_form=legal_form,
                    has_f_tax=True,
                    street_address=street,
                    postal_code=postal_code,
                    city=city,
                    bankgiro=demo_bankgiro(serial),
                    actor=actor,
                )
            )
            serial += 1

        for email, full_name, role, municipality_code, provider_index in USERS:
            user = User.objects.filter(email=email).first() or user_create(
                email=email, full_name=full_name, password=DEMO_PASSWORD, actor=actor
            )
            municipality = municipalities.get(municipality_code) if municipality_code else None
            provider = private[provider_index] if provider_index is not None else None
            if not RoleAssignment.objects.filter(
                user=user, role=role, municipality=municipality, provider=provider
            ).exists():
                role_assign(
                    user=user, role=role, municipality=municipality, provider=provider, actor=actor
                )

        for municipality in municipalities.values():
            self._seed_compensation(municipality, actor)

        request = self._seed_request(cooperation, actor)
        self._seed_in_house_contracts(request, actor)
        for provider_index, codes in APPROVED_APPLICATIONS:
            provider = private[provider_index]
            self._seed_approved_application(
                provider,
                request,
                [municipalities[c] for c in codes],
                provider_actor=User.objects.get(role_assignments__provider=provider),
                actor=actor,
            )
        self._seed_quality_followup(municipalities["1430"], actor)

    def _seed_quality_followup(self, municipality, actor) -> None:
        """Munkedal's quality follow-up: survey results, choices and orders for the board's
        statistics, a carried-out follow-up visit with findings."""
        from followup.demo_cases import seed_cases
        from followup.demo_stats import seed_stats
        from followup.demo_surveys import seed_surveys
        from followup.demo_visits import seed_visits

        seed_surveys(municipality=municipality, actor=actor)
        seed_stats(municipality=municipality, actor=actor)
        seed_visits(municipality=municipality, actor=actor)
        # The complaint is handled by Munkedal's quality officer.
        seed_cases(
            municipality=municipality,
            actor=User.objects.get(email="kvalitet@munkedal.example"),
        )

    def _seed_compensation(self, municipality, actor) -> None:
        """Rules from 2026 and rates per service × time band for in-house and private
        providers, with a rural supplement in Tanum and Sotenäs. Left alone once created."""
        services = {st.code: st for st in ServiceType.objects.filter(code__in=DECLINED_PERCENT)}
        if not BillingRules.objects.filter(
            municipality=municipality, valid_from=BILLING_FROM
        ).exists():
            billing_rules_create(
                municipality=municipality,
                valid_from=BILLING_FROM,
                actor=actor,
                service_rules=[
                    (services[code], percent, None) for code, percent in DECLINED_PERCENT.items()
                ],
                **BILLING_RULES,
            )
        variation = RATE_VARIATION[municipality.code]
        zones = [("", Decimal(0))]
        if municipality.code in RURAL_SUPPLEMENT:
            zones.append((RateZone.RURAL, RURAL_SUPPLEMENT[municipality.code]))
        for code in RATE_SERVICES:
            for band, (amount, unit) in BASE_RATES.items():
                for zone, supplement in zones:
                    if zone and unit != RateUnit.PER_HOUR:
                        continue  # the rural supplement is per hour
                    for kind in (ProviderKind.IN_HOUSE, ProviderKind.PRIVATE):
                        key = {
                            "municipality": municipality,
                            "service_type": services[code],
                            "rate_zone": zone,
                            "time_band": band,
                            "provider_kind": kind,
                        }
                        if Rate.objects.filter(**key, valid_from=BILLING_FROM).exists():
                            continue
                        rate_create(
                            **key,
                            unit=unit,
                            amount=amount + variation + supplement,
                            valid_from=BILLING_FROM,
                            actor=actor,
                        )

    def _seed_request(self, cooperation, actor) -> None:
        """A published request for applications for home help in all of NoBo."""
        existing = RequestForApplications.objects.filter(reference=DEMO_REQUEST_REFERENCE).first()
        if existing:
            return existing
        request = request_create(
            reference=DEMO_REQUEST_REFERENCE,
            title="Hemtjänst enligt LOV i norra Bohuslän",
            description=(
                "Sotenäs, Munkedal, Tanum och Lysekil bjuder gemensamt in utförare av hemtjänst "
                "(service och omvårdnad) att ansöka om godkännande. Ansökningar tas emot "
                "löpande; varje kommuns nämnd beslutar för sig."
            ),
            owner_cooperation=cooperation,
            payment_basis=PaymentBasis.PERFORMED_TIME,
            service_types=ServiceType.objects.filter(
                code__in=["hemtjanst-service", "hemtjanst-omvardnad"]
            ),
            areas=Area.objects.filter(municipality__in=cooperation.municipalities.all()),
            actor=actor,
        )
        version = request.versions.get()
        for title, requirements in DEMO_REQUIREMENTS:
            section = requirement_section_add(version=version, title=title, actor=actor)
            for text, evidence_kind, max_age_days, tracks_expiry in requirements:
                requirement_add(
                    section=section,
                    text=text,
                    evidence_kind=evidence_kind,
                    max_age_days=max_age_days,
                    tracks_expiry=tracks_expiry,
                    actor=actor,
                )
        request_publish(request=request, actor=actor)
        return request

    def _seed_approved_application(
        self, provider, request, municipalities, *, provider_actor, actor
    ) -> None:
        """A private provider that has been through the whole workflow: applied, reviewed,
        approved by each board, with decision letters and contracts."""
        version = request.versions.get(status=VersionStatus.PUBLISHED)
        if provider.applications.filter(version=version).exists():
            return
        application = application_start(provider=provider, version=version, actor=provider_actor)
        application_scope_save(
            application=application,
            capacities=dict.fromkeys(municipalities, (300, CapacityUnit.HOURS_PER_MONTH)),
            service_types=version.service_types.all(),
            areas=version.areas.filter(municipality__in=municipalities),
            actor=provider_actor,
        )
        today = timezone.localdate()
        for requirement in Requirement.objects.filter(section__version=version):
            evidence = {
                EvidenceKind.DECLARATION: {"declaration": True},
                EvidenceKind.TEXT: {"text": f"{provider.name} har bedrivit hemtjänst sedan 2012."},
                EvidenceKind.DATE: {"date_value": today - timedelta(days=10)},
                EvidenceKind.DOCUMENT: {
                    "document": document_store(
                        provider=provider,
                        uploaded_file=demo_upload(requirement.text),
                        actor=provider_actor,
                    )
                },
            }[requirement.evidence_kind]
            if requirement.tracks_expiry:
                evidence["expires_on"] = today + timedelta(days=365)
            answer_save(
                application=application, requirement=requirement, actor=provider_actor, **evidence
            )
        application_submit(application=application, actor=provider_actor)
        reviewer = self._board_reviewer(municipalities[0])
        application_review_start(application=application, actor=reviewer)
        for answer in application.answers.all():
            assessment_record(answer=answer, result=AssessmentResult.MET, actor=reviewer)
        for n, decision in enumerate(application.municipalities.all(), start=1):
            actor = self._board_reviewer(decision.municipality)
            application_decide(
                application_municipality=decision,
                approve=True,
                decision_date=today - timedelta(days=30),
                board_reference=f"ON 2026/{100 + n}",
                reasons="",
                actor=actor,
            )

    @staticmethod
    def _board_reviewer(municipality):
        return User.objects.get(
            role_assignments__role=Role.BOARD_REVIEWER, role_assignments__municipality=municipality
        )

    def _seed_in_house_contracts(self, request, actor) -> None:
        """Each municipality's own provider serves all its areas on the same request."""
        version = request.versions.get(status=VersionStatus.PUBLISHED)
        for provider in Provider.objects.filter(is_in_house=True, contracts__isnull=True):
            contract_create_in_house(
                provider=provider,
                service_types=version.service_types.all(),
                areas=Area.objects.filter(municipality=provider.in_house_municipality),
                valid_from=IN_HOUSE_CONTRACTS_FROM,
                request=request,
                actor=actor,
            )
