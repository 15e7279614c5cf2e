"""Swedish personal identity numbers (personnummer) and coordination numbers
(samordningsnummer), stored as 12 digits YYYYMMDDNNNC.

python-stdnum checks personnummer; a samordningsnummer is the same with 60 added to the day of
birth, which stdnum does not know, so the day is taken back before the date is checked.
Century: a 10-digit number written with '-' is under 100 years old, with '+' 100 or more
(Folkbokföringslagen 18 §); 12 digits carry the century themselves.
"""

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import luhn

FORM = re.compile(r"^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{3})(\d)$")


@dataclass(frozen=True)
class IdentityNumber:
    digits: str  # YYYYMMDDNNNC
    is_coordination_number: bool
    birth_date: datetime.date

    def __str__(self) -> str:
        return f"{self.digits[:8]}-{self.digits[8:]}"


def parse_identity_number(value: str, *, today: datetime.date | None = None) -> IdentityNumber:
    """The number in its 12-digit form, or a ValidationError in Swedish saying what is wrong."""
    today = today or datetime.date.today()
    match = FORM.match(re.sub(r"\s", "", value or ""))
    if not match:
        raise ValidationError(
            _("Write the number as YYYYMMDD-NNNN or YYMMDD-NNNN, e.g. 19121212-1212."),
            code="format",
        )
    century, yy, mm, dd, sign, serial, check = match.groups()
    day = int(dd)
    coordination = day > 60
    if coordination:
        day -= 60
    if century:
        year = int(century + yy)
    else:
        year = (today.year // 100) * 100 + int(yy)
        if year > today.year:
            year -= 100
        if sign == "+":
            year -= 100
    try:
        birth_date = datetime.date(year, int(mm), day)
    except ValueError as exc:
        raise ValidationError(
            _("The date in the number does not exist. Check the year, month and day."),
            code="date",
        ) from exc
    if birth_date > today:
        raise ValidationError(_("The date in the number is in the future."), code="date")
    ten = f"{yy}{mm}{dd}{serial}{check}"
    if not luhn.is_valid(ten):
        raise ValidationError(
            _("The check digit is wrong. Check the last four digits."), code="checksum"
        )
    return IdentityNumber(
        digits=f"{year:04d}{mm}{dd}{serial}{check}",
        is_coordination_number=coordination,
        birth_date=birth_date,
    )
