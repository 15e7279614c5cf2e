"""The portal's work sections: who gets which, in the order the navigation shows them.

The start page and the navigation both read this list, so a role always lands on its own work.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    url_name: str
    permission: str
    title: Promise
    description: Promise

    @property
    def url(self) -> str:
        return reverse(self.url_name)


SECTIONS: tuple[Section, ...] = (
    Section(
        "assessments:home",
        "assessments.access_workspace",
        _("Needs assessment"),
        _("Citizens, decisions, the citizen's choice and orders to providers."),
    ),
    Section(
        "providers:procurement",
        "providers.access_procurement",
        _("Requests for applications and review"),
        _("Publish requests for applications, review applications, board decisions, contracts."),
    ),
    Section(
        "providers:portal",
        "providers.access_provider_portal",
        _("Provider portal"),
        _("Your applications, contracts, orders and invoice bases."),
    ),
    Section(
        "billing:home",
        "billing.access_finance",
        _("Compensation"),
        _("Rates, performed time, monthly invoice runs and exports."),
    ),
    Section(
        "followup:home",
        "followup.access_quality",
        _("Quality follow-up"),
        _("Surveys, follow-up visits, complaints and quality reports."),
    ),
    Section(
        "followup:statistics",
        "followup.view_statistics",
        _("Board statistics"),
        _("Choices, changes of provider, orders and provider decisions per month."),
    ),
    Section(
        "audit:list",
        "audit.search_auditevents",
        _("Audit log"),
        _("Every read and change of personal data, every decision."),
    ),
)


def sections_for(user) -> list[Section]:
    if not user.is_authenticated:
        return []
    return [section for section in SECTIONS if user.has_perm(section.permission)]
