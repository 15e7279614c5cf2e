"""E-mail to providers about orders. No personal data in e-mail: the provider logs in to see
who the order is for."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _


def order_notify(*, order_id: int) -> None:
    from .models import Order

    order = Order.objects.select_related("provider", "service_type").get(pk=order_id)
    if not order.provider.email:
        return
    with translation.override("sv"):
        subject = _("New order in LOV-portalen")
        body = _(
            "%(provider)s has a new order for %(service)s. Log in to LOV-portalen to see it and "
            "confirm the start date: %(link)s"
        ) % {
            "provider": order.provider.name,
            "service": order.service_type.name,
            "link": f"{settings.PORTAL_BASE_URL}/utforarportal/bestallningar/{order.pk}/",
        }
    send_mail(subject, body, None, [order.provider.email])
