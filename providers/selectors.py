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


# --- requests ---


def _managed_requests(user) -> Q:
    """Requests owned by a municipality where the user is a procurement officer, or by a
    cooperation one of those municipalities belongs to (as providers.manage_request)."""
    ids = user_scope(user).municipality_ids(Role.PROCUREMENT_OFFICER)
    return Q(owner_municipality__in=ids) | Q(owner_cooperation__municipalities__in=ids)


def request_list_for_user(*, user) -> QuerySet:
    from .models import RequestForApplications

    managed = RequestForApplications.objects.filter(_managed_requests(user)).values("pk")
    return (
        RequestForApplications.objects.filter(pk__in=managed)
        .select_related("owner_municipality", "owner_cooperation")
        .prefetch_related("versions")
    )


def request_get_for_user(*, user, pk: int):
    from .models import RequestForApplications

    try:
        return request_list_for_user(user=user).get(pk=pk)
    except RequestForApplications.DoesNotExist as exc:
        raise Http404 from exc


def request_version_get_for_user(*, user, pk: int):
    from .models import RequestVersion

    try:
        return RequestVersion.objects.select_related("request").get(
            pk=pk, request__in=request_list_for_user(user=user).values("pk")
        )
    except RequestVersion.DoesNotExist as exc:
        raise Http404 from exc


def requirement_section_get_for_user(*, user, pk: int):
    from .models import RequirementSection

    try:
        return RequirementSection.objects.select_related("version__request").get(
            pk=pk, version__request__in=request_list_for_user(user=user).values("pk")
        )
    except RequirementSection.DoesNotExist as exc:
        raise Http404 from exc


def requirement_get_for_user(*, user, pk: int):
    from .models import Requirement

    try:
        return Requirement.objects.select_related("section__version__request").get(
            pk=pk, section__version__request__in=request_list_for_user(user=user).values("pk")
        )
    except Requirement.DoesNotExist as exc:
        raise Http404 from exc


def request_owner_choices(*, user) -> tuple[QuerySet, QuerySet]:
    """The municipalities and cooperations a user may create a request for."""
    from lov_portal.core.models import Cooperation, Municipality

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
    from .constants import VersionStatus
    from .models import RequestVersion

    visible = ~Q(status=VersionStatus.DRAFT) | Q(
        request__in=request_list_for_user(user=user).values("pk")
    )
    try:
        return (
            RequestVersion.objects.select_related("request")
            .exclude(document="")
            .filter(visible)
            .get(pk=pk)
        )
    except RequestVersion.DoesNotExist as exc:
        raise Http404 from exc


def request_published_get(*, pk: int):
    """A request open for applications, with its published version: public information (the
    announcement). Drafts and closed requests give 404."""
    from .constants import RequestStatus, VersionStatus
    from .models import RequestVersion

    try:
        return (
            RequestVersion.objects.select_related(
                "request__owner_municipality", "request__owner_cooperation"
            )
            .prefetch_related("service_types", "areas__municipality", "sections__requirements")
            .get(
                request__pk=pk,
                request__status=RequestStatus.PUBLISHED,
                status=VersionStatus.PUBLISHED,
            )
        )
    except RequestVersion.DoesNotExist as exc:
        raise Http404 from exc
