"""E-mail about complaints, deviations and Lex Sarah cases.

Staff and providers get only the case number and a link: they log in to read the case, so no
personal data travels by e-mail. The one exception is the reply, which goes to the address the
person who complained gave for it."""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.utils import translation
from django.utils.translation import gettext as _

from lov_portal.accounts.constants import Role
from lov_portal.accounts.models import User
from providers.notifications import portal_link, provider_emails

from .constants import CaseChannel
from .models import Case


def _quality_officer_emails(municipality_id: int) -> list[str]:
    return list(
        User.objects.filter(
            is_active=True,
            role_assignments__role=Role.QUALITY_OFFICER,
            role_assignments__municipality_id=municipality_id,
        )
        .values_list("email", flat=True)
        .distinct()
    )


def case_reply_recipient(case: Case) -> str:
    """Where the reply goes: the contact address given, or the provider user who reported."""
    if case.contact_email:
        return case.contact_email
    if case.channel == CaseChannel.PROVIDER and case.reported_by_id:
        return case.reported_by.email
    return ""


def case_notify(*, case_id: int, event: str) -> int:
    case = Case.objects.select_related("municipality", "handler", "reported_by").get(pk=case_id)
    staff_link = portal_link("followup:case_detail", case.pk)
    provider_link = portal_link("provider_followup:case_detail", case.pk)
    context = {"reference": case.reference, "municipality": case.municipality.name}
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        if event == "received":
            subject = _("New case %(reference)s") % context
            body = _(
                "A new case, %(reference)s, has been received by %(municipality)s.\n\n"
                "Log in to read it: %(link)s"
            )
            for email in _quality_officer_emails(case.municipality_id):
                messages.append((subject, body % {**context, "link": staff_link}, None, [email]))
            if case.provider_id:
                if case.channel == CaseChannel.PROVIDER:
                    body = _(
                        "Your report %(reference)s has been received by %(municipality)s. "
                        "You can follow it here: %(link)s"
                    )
                else:
                    body = _(
                        "%(municipality)s has registered a case about your organisation, "
                        "%(reference)s. Log in to read it and give your statement: %(link)s"
                    )
                for email in provider_emails(case.provider_id):
                    messages.append(
                        (subject, body % {**context, "link": provider_link}, None, [email])
                    )
        elif event == "assigned" and case.handler_id:
            subject = _("You handle case %(reference)s") % context
            body = _("You have been made the handler of case %(reference)s: %(link)s") % {
                **context,
                "link": staff_link,
            }
            messages.append((subject, body, None, [case.handler.email]))
        elif event == "statement":
            subject = _("Statement on case %(reference)s") % context
            body = _("The provider has given its statement on case %(reference)s: %(link)s") % {
                **context,
                "link": staff_link,
            }
            recipients = (
                [case.handler.email]
                if case.handler_id
                else _quality_officer_emails(case.municipality_id)
            )
            for email in recipients:
                messages.append((subject, body, None, [email]))
        elif event == "answered":
            recipient = case_reply_recipient(case)
            if recipient:
                subject = _("Reply to your case %(reference)s") % context
                body = (
                    _("%(municipality)s replies to your case %(reference)s:") % context
                    + "\n\n"
                    + case.reply
                )
                messages.append((subject, body, None, [recipient]))
    return send_mass_mail(messages, fail_silently=False)
