"""Reads of the providers app, scoped by the user's role and municipality.

A missing object and one the user may not see give the same 404.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from lov_portal.accounts.constants import Role
from lov_portal.permissions import user_scope

from .constants import ApplicationStatus
from .models import Application, ApplicationMunicipality, Provider

REVIEW_ROLES = (Role.BOARD_REVIEWER, Role.PROCUREMENT_OFFICER)


def provider_list_in_house() -> QuerySet[Provider]:
    """Each municipality's in-house provider: public information."""
    return Provider.objects.filter(is_in_house=True).select_related("in_house_municipality")


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
    try:
        return application_list_for_user(user=user).get(pk=pk)
    except Application.DoesNotExist as exc:
        raise Http404 from exc


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
    try:
        return ApplicationMunicipality.objects.select_related("application", "municipality").get(
            pk=pk, application__in=application_ids
        )
    except ApplicationMunicipality.DoesNotExist as exc:
        raise Http404 from exc


EXPIRY_WARNING_DAYS = 30


def expiring_evidence(*, today, user=None, within_days: int = EXPIRY_WARNING_DAYS):
    """Answers whose evidence (insurance, tax certificate, IVO permit …) has expired or expires
    within `within_days`, for providers with a contract that is not terminated. With a user,
    only contracts in the municipalities the user reviews."""
    from datetime import timedelta

    from .constants import ContractStatus
    from .models import Answer, Contract

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


# --- review ---

# Municipal roles that see the contracts of their municipalities; only some of them may act
# on a contract (providers.manage_contract).
CONTRACT_VIEW_ROLES = (Role.PROCUREMENT_OFFICER, Role.MUNICIPAL_ADMIN, Role.BOARD_REVIEWER)


def application_history(*, application: Application) -> list:
    """Who moved the application and its per-municipality decisions, and when, oldest first.
    Each change gets a readable `label`, e.g. "Decision, Sotenäs: Awaiting decision → Approved".

    The caller has the application from application_get_for_user, so it is already scoped."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils.translation import gettext as _

    from .constants import DecisionStatus
    from .models import StatusChange

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
    from .models import Contract

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


def _get_or_404(queryset, pk: int):
    try:
        return queryset.get(pk=pk)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def contract_get_for_municipal_user(*, user, pk: int):
    return _get_or_404(contract_list_for_municipal_user(user=user), pk)


def contract_get_for_provider_user(*, user, pk: int):
    return _get_or_404(contract_list_for_provider_user(user=user), pk)


def provider_list_in_contract(*, contracts) -> QuerySet[Provider]:
    """The providers of some contracts (e.g. to filter a contract list by provider)."""
    return Provider.objects.filter(contracts__in=contracts).distinct().order_by("name")


def provider_list_for_catalogue(*, municipality) -> QuerySet[Provider]:
    """Public: the providers a citizen of `municipality` may choose — those with an active
    contract with it, and its in-house provider unless its own contract there is suspended or
    terminated. Suspended and terminated contracts are hidden."""
    from .constants import ContractStatus
    from .models import Contract

    contracts = Contract.objects.filter(municipality=municipality)
    active = contracts.filter(status=ContractStatus.ACTIVE).values("provider_id")
    inactive = contracts.exclude(status=ContractStatus.ACTIVE).values("provider_id")
    return (
        Provider.objects.filter(
            Q(pk__in=active)
            | (Q(is_in_house=True, in_house_municipality=municipality) & ~Q(pk__in=inactive))
        )
        .distinct()
        .order_by("-is_in_house", "name")
    )
