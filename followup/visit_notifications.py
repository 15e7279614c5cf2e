"""E-mails about follow-up findings and action plans. They name the provider, the visit and
the finding (never a citizen) and link to the portal."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from django.utils import translation
from django.utils.translation import gettext as _

from providers.notifications import portal_link, provider_emails

from .models import Finding


def _date(value) -> str:
    return value.isoformat() if value else "–"


def findings_notify(*, finding_ids: list[int], event: str) -> int:
    """One e-mail per finding and reader. `event` is requested or returned (to the provider),
    submitted (to the visit's officer), accepted (to the provider) or overdue (to both)."""
    findings = Finding.objects.filter(pk__in=finding_ids).select_related(
        "visit__provider", "visit__municipality", "visit__officer"
    )
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for finding in findings:
            visit = finding.visit
            context = {
                "municipality": visit.municipality.name,
                "provider": visit.provider.name,
                "date": _date(visit.carried_out_on or visit.planned_on),
                "finding": finding.text,
                "deadline": _date(finding.plan_deadline),
                "provider_link": portal_link("provider_followup:finding_detail", finding.pk),
                "officer_link": portal_link("followup:finding_detail", finding.pk),
            }
            to_provider = to_officer = None
            if event == "requested":
                to_provider = (
                    _("Action plan requested by %(municipality)s") % context,
                    _(
                        "%(municipality)s followed up %(provider)s on %(date)s and asks for an "
                        "action plan by %(deadline)s for this finding:\n\n%(finding)s\n\n"
                        "Answer here: %(provider_link)s"
                    )
                    % context,
                )
            elif event == "returned":
                to_provider = (
                    _("Action plan returned by %(municipality)s") % context,
                    _(
                        "%(municipality)s has returned your action plan for this finding with a "
                        "comment. Send a new plan by %(deadline)s:\n\n%(finding)s\n\n"
                        "Read the comment and answer here: %(provider_link)s"
                    )
                    % context,
                )
            elif event == "accepted":
                to_provider = (
                    _("Action plan accepted by %(municipality)s") % context,
                    _(
                        "%(municipality)s has accepted your action plan for this finding:\n\n"
                        "%(finding)s\n\nSee it here: %(provider_link)s"
                    )
                    % context,
                )
            elif event == "submitted":
                to_officer = (
                    _("Action plan from %(provider)s") % context,
                    _(
                        "%(provider)s has answered a finding with an action plan:\n\n"
                        "%(finding)s\n\nReview it here: %(officer_link)s"
                    )
                    % context,
                )
            elif event == "overdue":
                to_provider = (
                    _("Overdue action plan: %(municipality)s") % context,
                    _(
                        "The action plan %(municipality)s asked for by %(deadline)s has not "
                        "been received. The finding:\n\n%(finding)s\n\n"
                        "Answer here: %(provider_link)s"
                    )
                    % context,
                )
                to_officer = (
                    _("Overdue action plan: %(provider)s") % context,
                    _(
                        "%(provider)s has not sent the action plan due %(deadline)s for this "
                        "finding:\n\n%(finding)s\n\nSee it here: %(officer_link)s"
                    )
                    % context,
                )
            if to_provider:
                messages += [(*to_provider, None, [e]) for e in provider_emails(visit.provider_id)]
            if to_officer and visit.officer.is_active and visit.officer.email:
                messages.append((*to_officer, None, [visit.officer.email]))
    return send_mass_mail(messages, fail_silently=False)
