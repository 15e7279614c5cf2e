"""Reads of the providers app, scoped by the user's role and municipality.

A missing object and one the user may not see give the same 404.
"""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    When,
)
from django.db.models.functions import ExtractMonth, TruncDate
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from lov_portal.accounts.constants import Role
from lov_portal.accounts.models import RoleAssignment, User
from lov_portal.core.models import Cooperation, Municipality
from lov_portal.permissions import user_scope

from .constants import (
    ApplicationStatus,
    ContractEventKind,
    ContractStatus,
    DecisionStatus,
    PaymentBasis,
    RequestStatus,
    VersionStatus,
)
from .models import (
    AdditionalService,
    Answer,
    Application,
    ApplicationMunicipality,
    Contract,
    ContractEvent,
    Document,
    Language,
    Provider,
    RequestForApplications,
    RequestVersion,
    Requirement,
    RequirementSection,
    Specialisation,
    StatusChange,
)

REVIEW_ROLES = (Role.BOARD_REVIEWER, Role.PROCUREMENT_OFFICER)


def provider_list_for_user(*, user) -> QuerySet[Provider]:
    """The providers a provider user works for."""
    return Provider.objects.filter(pk__in=user_scope(user).provider_ids)


def _reviewable(user) -> Q:
    """Applications to requests owned by one of the user's review municipalities, or by a
    cooperation one of them belongs to."""
    ids = user_scope(user).municipality_ids(*REVIEW_ROLES)
    return Q(version__request__owner_municipality__in=ids) | Q(
        version__request__owner_cooperation__municipalities__in=ids
    )


def application_list_for_user(*, user) -> QuerySet[Application]:
    scope = user_scope(user)
    visible = Q(provider__in=scope.provider_ids) | (
        _reviewable(user) & ~Q(status=ApplicationStatus.DRAFT)
    )
    return (
        Application.objects.filter(visible)
        .distinct()
        .select_related("provider", "version__request")
    )


def application_get_for_user(*, user, pk: int) -> Application:
    return get_object_or_404(application_list_for_user(user=user), pk=pk)


def review_queue(*, user) -> QuerySet[Application]:
    """Applications waiting for the user's municipalities, the longest-waiting first."""
    return (
        application_list_for_user(user=user)
        .filter(_reviewable(user))
        .filter(status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW])
        .order_by("waiting_since", "pk")
    )


def decision_get_for_user(*, user, pk: int) -> ApplicationMunicipality:
    application_ids = application_list_for_user(user=user).values("pk")
    return get_object_or_404(
        ApplicationMunicipality.objects.select_related("application", "municipality"),
        pk=pk,
        application__in=application_ids,
    )


EXPIRY_WARNING_DAYS = 30


def expiring_evidence(*, today, user=None, within_days: int = EXPIRY_WARNING_DAYS):
    """Answers whose evidence (insurance, tax certificate, IVO permit …) has expired or expires
    within `within_days`, for providers with a contract that is not terminated. With a user,
    only contracts in the municipalities the user reviews."""

    contracts = Contract.objects.exclude(status=ContractStatus.TERMINATED)
    if user is not None:
        contracts = contracts.filter(
            municipality__in=user_scope(user).municipality_ids(*REVIEW_ROLES)
        )
    return (
        Answer.objects.filter(
            expires_on__isnull=False,
            expires_on__lte=today + timedelta(days=within_days),
            application__municipalities__contract__in=contracts,
        )
        .distinct()
        .select_related("requirement", "application__provider")
        .order_by("expires_on", "application__provider__name")
    )


# --- The catalogue's view of providers: public information ------------------------------------


def contract_list_active(*, municipality) -> QuerySet:
    """Active contracts in a municipality: suspended and terminated ones are not shown."""
    return Contract.objects.filter(municipality=municipality, status=ContractStatus.ACTIVE)


def provider_list_contracted(*, municipality) -> QuerySet[Provider]:
    """Every provider with an active contract in the municipality, in-house included, with what
    the catalogue shows prefetched (a constant number of queries however many providers)."""

    active = contract_list_active(municipality=municipality)
    return Provider.objects.filter(Exists(active.filter(provider=OuterRef("pk")))).prefetch_related(
        Prefetch("languages", queryset=Language.objects.order_by("name")),
        Prefetch("specialisations", queryset=Specialisation.objects.order_by("name")),
        "additional_services",
        Prefetch(
            "contracts",
            queryset=active.prefetch_related("service_types", "areas").order_by("valid_from"),
            to_attr="active_contracts",
        ),
    )


def contract_taking_new_customers() -> Q:
    """Contracts whose provider takes new customers: no capacity ceiling, or room under it.
    (Allocated capacity is counted from orders once orders exist.)"""
    return Q(capacity_value__isnull=True) | Q(capacity_value__gt=0)


def language_list() -> QuerySet:
    return Language.objects.all()


def specialisation_list() -> QuerySet:
    return Specialisation.objects.all()


def additional_service_list() -> QuerySet:
    return AdditionalService.objects.all()


def contract_takes_new_customers(contract) -> bool:
    """The same rule as contract_taking_new_customers(), for a contract already in memory."""
    return contract.capacity_value is None or contract.capacity_value > 0


def contracted_provider_counts() -> dict[int, int]:
    """Municipality id → number of providers with an active contract there."""

    rows = (
        Contract.objects.filter(status=ContractStatus.ACTIVE)
        .values("municipality")
        .annotate(n=Count("provider", distinct=True))
    )
    return {row["municipality"]: row["n"] for row in rows}


# --- accounts ---


def provider_get_for_user(*, user, pk: int) -> Provider:
    """One of the providers the user works for; any other gives 404."""
    return get_object_or_404(provider_list_for_user(user=user), pk=pk)


def colleague_list_for_user(*, user, provider: Provider):
    """The provider users of `provider` (which must be one of the user's own providers)."""
    if provider.pk not in user_scope(user).provider_ids:
        raise Http404
    return (
        RoleAssignment.objects.filter(provider=provider, role=Role.PROVIDER_USER)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def colleague_get_for_user(*, user, provider: Provider, pk: int):
    return get_object_or_404(colleague_list_for_user(user=user, provider=provider), pk=pk)


def provider_logo_get(*, pk: int) -> Provider:
    """Logos are public (the catalogue shows them): any provider's logo, if it has one."""
    provider = Provider.objects.filter(pk=pk).exclude(logo="").first()
    if provider is None:
        raise Http404
    return provider


def invited_user_get(*, pk) -> object | None:
    """A provider user who has been invited and not yet chosen a password, or None."""
    user = (
        User.objects.filter(pk=pk, is_active=True, role_assignments__role=Role.PROVIDER_USER)
        .distinct()
        .first()
    )
    if user is None or user.has_usable_password():
        return None
    return user


# --- requests ---


def _managed_requests(user) -> Q:
    """Requests owned by a municipality where the user is a procurement officer, or by a
    cooperation one of those municipalities belongs to (as providers.manage_request)."""
    ids = user_scope(user).municipality_ids(Role.PROCUREMENT_OFFICER)
    return Q(owner_municipality__in=ids) | Q(owner_cooperation__municipalities__in=ids)


def request_list_for_user(*, user) -> QuerySet:
    managed = RequestForApplications.objects.filter(_managed_requests(user)).values("pk")
    return (
        RequestForApplications.objects.filter(pk__in=managed)
        .select_related("owner_municipality", "owner_cooperation")
        .prefetch_related("versions")
    )


def request_get_for_user(*, user, pk: int):
    return get_object_or_404(request_list_for_user(user=user), pk=pk)


def request_version_get_for_user(*, user, pk: int):
    return get_object_or_404(
        RequestVersion.objects.select_related("request"),
        pk=pk,
        request__in=request_list_for_user(user=user).values("pk"),
    )


def requirement_section_get_for_user(*, user, pk: int):
    return get_object_or_404(
        RequirementSection.objects.select_related("version__request"),
        pk=pk,
        version__request__in=request_list_for_user(user=user).values("pk"),
    )


def requirement_get_for_user(*, user, pk: int):
    return get_object_or_404(
        Requirement.objects.select_related("section__version__request"),
        pk=pk,
        section__version__request__in=request_list_for_user(user=user).values("pk"),
    )


def request_owner_choices(*, user) -> tuple[QuerySet, QuerySet]:
    """The municipalities and cooperations a user may create a request for."""
    ids = user_scope(user).municipality_ids(Role.PROCUREMENT_OFFICER)
    municipalities = Municipality.objects.filter(pk__in=ids)
    cooperations = Cooperation.objects.filter(
        pk__in=Cooperation.objects.filter(municipalities__in=ids).values("pk")
    ).prefetch_related("municipalities")
    return municipalities, cooperations


def request_version_document_get(*, user, pk: int):
    """A version whose full request PDF the user may fetch: a published (or earlier published)
    version for anyone logged in with a role, a draft only for the owners' procurement
    officers."""
    visible = ~Q(status=VersionStatus.DRAFT) | Q(
        request__in=request_list_for_user(user=user).values("pk")
    )
    return get_object_or_404(
        RequestVersion.objects.select_related("request").exclude(document="").filter(visible),
        pk=pk,
    )


def request_published_get(*, pk: int):
    """A request open for applications, with its published version: public information (the
    announcement). Drafts and closed requests give 404."""
    return get_object_or_404(
        RequestVersion.objects.select_related(
            "request__owner_municipality", "request__owner_cooperation"
        ).prefetch_related("service_types", "areas__municipality", "sections__requirements"),
        request__pk=pk,
        request__status=RequestStatus.PUBLISHED,
        status=VersionStatus.PUBLISHED,
    )


# --- applications ---


def request_version_list_open() -> QuerySet:
    """The published versions of published requests: what a provider may apply to now."""
    return (
        RequestVersion.objects.filter(
            status=VersionStatus.PUBLISHED, request__status=RequestStatus.PUBLISHED
        )
        .select_related("request__owner_municipality", "request__owner_cooperation")
        .prefetch_related("service_types")
        .order_by("-published_at", "pk")
    )


def request_version_get_open(*, pk: int):
    return get_object_or_404(request_version_list_open(), pk=pk)


def application_list_for_provider_user(*, user) -> QuerySet[Application]:
    """The applications of the providers the user works for (not the reviewers' view)."""
    return Application.objects.filter(provider__in=user_scope(user).provider_ids).select_related(
        "provider", "version__request"
    )


def application_get_for_provider_user(*, user, pk: int) -> Application:
    return get_object_or_404(application_list_for_provider_user(user=user), pk=pk)


def document_get_for_user(*, user, pk: int):
    """A document, to a user of its provider or to a reviewer of an application that uses it
    as evidence (the applications `application_list_for_user` shows the user)."""
    visible = Q(provider__in=user_scope(user).provider_ids) | Q(
        answers__application__in=application_list_for_user(user=user).values("pk")
    )
    return get_object_or_404(Document.objects.filter(visible).distinct(), pk=pk)


# --- review ---

# Municipal roles that see the contracts of their municipalities; only some of them may act
# on a contract (providers.manage_contract).
CONTRACT_VIEW_ROLES = (Role.PROCUREMENT_OFFICER, Role.MUNICIPAL_ADMIN, Role.BOARD_REVIEWER)


def application_history(*, application: Application) -> list:
    """Who moved the application and its per-municipality decisions, and when, oldest first.
    Each change gets a readable `label`, e.g. "Decision, Sotenäs: Awaiting decision → Approved".

    The caller has the application from application_get_for_user, so it is already scoped."""

    decisions = {d.pk: d for d in application.municipalities.select_related("municipality")}
    application_type = ContentType.objects.get_for_model(Application)
    decision_type = ContentType.objects.get_for_model(ApplicationMunicipality)
    changes = list(
        StatusChange.objects.filter(
            Q(content_type=application_type, object_id=application.pk)
            | Q(content_type=decision_type, object_id__in=list(decisions))
        )
        .select_related("actor")
        .order_by("at", "pk")
    )
    for change in changes:
        if change.content_type_id == application_type.pk:
            labels, subject = dict(ApplicationStatus.choices), _("Application")
        else:
            labels = dict(DecisionStatus.choices)
            subject = _("Decision, %(municipality)s") % {
                "municipality": decisions[change.object_id].municipality.name
            }
        before = labels.get(change.from_status, change.from_status)
        after = labels.get(change.to_status, change.to_status)
        change.label = f"{subject}: {before} → {after}"
    return changes


def _contracts():
    return Contract.objects.select_related("provider", "municipality").prefetch_related(
        "service_types", "areas"
    )


def contract_list_for_municipal_user(*, user):
    """Contracts of the municipalities where the user works with procurement, review or
    administration."""
    ids = user_scope(user).municipality_ids(*CONTRACT_VIEW_ROLES)
    return _contracts().filter(municipality__in=ids)


def contract_list_for_provider_user(*, user):
    """The contracts of the providers the user works for."""
    return _contracts().filter(provider__in=user_scope(user).provider_ids)


def contract_get_for_municipal_user(*, user, pk: int):
    return get_object_or_404(contract_list_for_municipal_user(user=user), pk=pk)


def contract_get_for_provider_user(*, user, pk: int):
    return get_object_or_404(contract_list_for_provider_user(user=user), pk=pk)


def provider_list_in_contract(*, contracts) -> QuerySet[Provider]:
    """The providers of some contracts (e.g. to filter a contract list by provider)."""
    return Provider.objects.filter(contracts__in=contracts).distinct().order_by("name")


# --- For orders (assessments): which contracts serve a citizen, and locking for capacity -------


def contract_list_serving(*, municipality, service_type, area=None) -> QuerySet:
    """Active contracts in the municipality that cover the service (and the area, if known)."""
    contracts = contract_list_active(municipality=municipality).filter(service_types=service_type)
    if area is not None:
        contracts = contracts.filter(areas=area)
    return contracts.select_related("provider").distinct()


def contract_get_locked(*, pk: int):
    """The contract row, locked until the transaction ends: capacity is checked and taken
    under this lock, so two assessors cannot both take the last place."""
    return Contract.objects.select_for_update().get(pk=pk)


def contract_ids_warned_since(*, since) -> set[int]:
    """Contracts with a warning on or after `since` (the random no-choice rule skips them)."""
    return set(
        ContractEvent.objects.filter(
            kind=ContractEventKind.WARNING, at__date__gte=since
        ).values_list("contract_id", flat=True)
    )


# The version of a request that counts for its contracts: the published one, else the latest.
_PUBLISHED_VERSION_FIRST = (
    Case(When(status=VersionStatus.PUBLISHED, then=0), default=1),
    "-number",
)


def payment_basis_for_requests(*, request_ids) -> dict:
    """Granted or performed time for each request for applications, as its published version
    (else its latest) says, in one query. A contract without a request (the in-house
    provider's; key None) is paid on performed time."""
    result = {None: PaymentBasis.PERFORMED_TIME}
    versions = (
        RequestVersion.objects.filter(request_id__in=[i for i in request_ids if i is not None])
        .order_by("request_id", *_PUBLISHED_VERSION_FIRST)
        .values_list("request_id", "payment_basis")
    )
    for request_id, basis in versions:
        result.setdefault(request_id, basis)
    return result


def provider_ids_all() -> list[int]:
    """Every provider's id, for system work that must look at each (e.g. the invoice run's
    providers with visits)."""
    return list(Provider.objects.order_by("pk").values_list("pk", flat=True))


def provider_list_by_ids(*, ids) -> QuerySet[Provider]:
    """Providers by id, for system work that was handed ids (e.g. a Celery task)."""
    return Provider.objects.filter(pk__in=ids).order_by("pk")


# --- For quality follow-up: which providers may be followed up, and their contract's checklist --


def provider_list_active_in(*, municipality_ids) -> QuerySet[Provider]:
    """Providers with an active contract in one of the municipalities (in-house included)."""
    active = Contract.objects.filter(
        municipality__in=municipality_ids, status=ContractStatus.ACTIVE
    )
    return Provider.objects.filter(Exists(active.filter(provider=OuterRef("pk")))).order_by("name")


def contract_active_get(*, municipality, provider) -> Contract | None:
    """The provider's active contract in the municipality (the latest, if several)."""
    return (
        contract_list_active(municipality=municipality)
        .filter(provider=provider)
        .select_related("request")
        .order_by("-valid_from", "-pk")
        .first()
    )


def contract_requirement_list(*, contract: Contract) -> list[Requirement]:
    """The requirements a contract was made on: its request's published version's (else the
    latest version's), in the order of the request. A contract without a request (in-house)
    has none."""
    if contract.request_id is None:
        return []
    version = (
        RequestVersion.objects.filter(request_id=contract.request_id)
        .order_by(*_PUBLISHED_VERSION_FIRST)
        .first()
    )
    if version is None:
        return []
    return list(
        Requirement.objects.filter(section__version=version)
        .select_related("section")
        .order_by("section__ordering", "section__pk", "ordering", "pk")
    )


# --- Board statistics (read by the quality follow-up app) -----------------------------------


def _distinct_per_month(queryset, *, key: str, date: str, count: str) -> dict[str, dict[int, int]]:
    """Distinct `count` per value of `key` and month of `date`, and in the whole year (key 0).
    Two grouped queries."""
    result: dict[str, dict[int, int]] = {}
    per_month = queryset.annotate(month=ExtractMonth(date)).values(key, "month")
    for row in per_month.annotate(n=Count(count, distinct=True)).order_by():
        result.setdefault(row[key], {})[row["month"]] = row["n"]
    for row in queryset.values(key).annotate(n=Count(count, distinct=True)).order_by():
        result.setdefault(row[key], {})[0] = row["n"]
    return result


def provider_decision_counts(*, municipality_id: int, year: int) -> dict[str, dict]:
    """The municipality's board decisions in `year`: distinct providers approved and rejected
    per month of the decision date, and in the whole year (key 0). Two grouped queries.

    {"approved": {month: n, ..., 0: n}, "rejected": {...}}"""
    decided = ApplicationMunicipality.objects.filter(
        municipality_id=municipality_id,
        status__in=[DecisionStatus.APPROVED, DecisionStatus.REJECTED],
        decision_date__year=year,
    )
    return _distinct_per_month(
        decided, key="status", date="decision_date", count="application__provider"
    )


def contract_event_counts(*, municipality_id: int, year: int, kinds) -> dict[str, dict]:
    """Distinct providers whose contract with the municipality had an event of each kind
    (e.g. suspension, termination) per month of the event (local time) in `year`, and in the
    whole year (key 0). Two grouped queries."""
    events = ContractEvent.objects.filter(
        contract__municipality_id=municipality_id, kind__in=list(kinds), at__year=year
    )
    return _distinct_per_month(events, key="kind", date="at", count="contract__provider")


def application_handling_days(*, municipality_id: int, year: int) -> list[tuple[int, int]]:
    """(month of the decision, days from the application's first submission to the board's
    decision) for each decision (approval or rejection) of the municipality in `year`. The
    days are computed in SQL; a municipality decides tens of applications a year, so the
    caller may take the median of these rows. A decision dated before the submission (a
    board decision registered afterwards) has no handling time and is left out."""
    rows = (
        ApplicationMunicipality.objects.filter(
            municipality_id=municipality_id,
            status__in=[DecisionStatus.APPROVED, DecisionStatus.REJECTED],
            decision_date__year=year,
            application__submitted_at__isnull=False,
        )
        .annotate(submitted_on=TruncDate("application__submitted_at"))
        .filter(decision_date__gte=F("submitted_on"))
        .annotate(
            month=ExtractMonth("decision_date"),
            handling=ExpressionWrapper(
                F("decision_date") - F("submitted_on"),
                output_field=DurationField(),
            ),
        )
        .order_by("decision_date", "pk")
        .values_list("month", "handling")
    )
    return [(month, handling.days) for month, handling in rows]


# --- For quality follow-up: the providers a municipality's survey results may be about --------


def provider_list_for_municipality(*, municipality_id: int) -> QuerySet[Provider]:
    """Every provider that has or had a contract with the municipality, and its in-house
    provider: survey results of earlier years may be about a contract that has ended."""
    return Provider.objects.filter(
        Q(contracts__municipality_id=municipality_id) | Q(in_house_municipality_id=municipality_id)
    ).distinct()
