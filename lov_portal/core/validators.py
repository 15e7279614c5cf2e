"""Validators for Swedish identifiers, built on python-stdnum (format and Luhn check digit)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.se import orgnr, postnummer


def validate_municipality_code(value: str) -> None:
    if not (len(value) == 4 and value.isdigit()):
        raise ValidationError(_("A municipality code is four digits, e.g. 1427."), code="invalid")


def validate_postal_code(value: str) -> None:
    try:
        postnummer.validate(value)
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(
            _("A postal code is five digits, e.g. 456 31."), code="invalid"
        ) from exc


def normalise_postal_code(value: str) -> str:
    """'456 31' and '45631' are the same postal code; store the five digits."""
    return postnummer.compact(value)


def validate_organisation_number(value: str) -> None:
    try:
        orgnr.validate(value)
    except stdnum_exceptions.InvalidChecksum as exc:
        raise ValidationError(
            _("The check digit of the organisation number is wrong."), code="checksum"
        ) from exc
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(
            _("An organisation number is written NNNNNN-NNNN, e.g. 556016-0680."),
            code="invalid",
        ) from exc


def normalise_organisation_number(value: str) -> str:
    return orgnr.format(value)
