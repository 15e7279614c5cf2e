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


# --- applications ---


def request_version_list_open() -> QuerySet:
    """The published versions of published requests: what a provider may apply to now."""
    from .constants import RequestStatus, VersionStatus
    from .models import RequestVersion

    return (
        RequestVersion.objects.filter(
            status=VersionStatus.PUBLISHED, request__status=RequestStatus.PUBLISHED
        )
        .select_related("request__owner_municipality", "request__owner_cooperation")
        .prefetch_related("service_types")
        .order_by("-published_at", "pk")
    )


def request_version_get_open(*, pk: int):
    from .models import RequestVersion

    try:
        return request_version_list_open().get(pk=pk)
    except RequestVersion.DoesNotExist as exc:
        raise Http404 from exc


def application_list_for_provider_user(*, user) -> QuerySet[Application]:
    """The applications of the providers the user works for (not the reviewers' view)."""
    return Application.objects.filter(provider__in=user_scope(user).provider_ids).select_related(
        "provider", "version__request"
    )


def application_get_for_provider_user(*, user, pk: int) -> Application:
    try:
        return application_list_for_provider_user(user=user).get(pk=pk)
    except Application.DoesNotExist as exc:
        raise Http404 from exc


def document_get_for_user(*, user, pk: int):
    """A document, to a user of its provider or to a reviewer of an application that uses it
    as evidence (the applications `application_list_for_user` shows the user)."""
    from .models import Document

    visible = Q(provider__in=user_scope(user).provider_ids) | Q(
        answers__application__in=application_list_for_user(user=user).values("pk")
    )
    try:
        return Document.objects.filter(visible).distinct().get(pk=pk)
    except Document.DoesNotExist as exc:
        raise Http404 from exc
