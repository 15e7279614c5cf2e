"""TOTP devices (django-otp): set up, confirm, remove. Every change is audited."""

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_event_record


def totp_device_get_confirmed(*, user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def totp_device_get_or_create_pending(*, user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="default", confirmed=False)


def totp_device_qr_data_uri(*, device: TOTPDevice) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def totp_device_secret(*, device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode()


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, actor, request=None) -> TOTPDevice:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_event_record(
        actor=actor,
        action=AuditAction.SECURITY,
        obj=actor,
        request=request,
        message="second factor enabled",
    )
    return device


@transaction.atomic
def totp_device_remove_all(*, user, actor, request=None) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    audit_event_record(
        actor=actor,
        action=AuditAction.SECURITY,
        obj=user,
        request=request,
        message="second factor removed",
    )
