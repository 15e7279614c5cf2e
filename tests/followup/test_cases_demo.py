"""The demo cases for Munkedal: built through the services, idempotent."""

import pytest
from django.core.management import call_command

from followup.constants import CaseChannel, CaseStatus
from followup.demo_cases import seed_cases
from followup.models import Case
from lov_portal.accounts.models import User
from lov_portal.core.models import Municipality


@pytest.mark.django_db
def test_seed_cases_for_munkedal(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", verbosity=0)
    munkedal = Municipality.objects.get(code="1430")
    officer = User.objects.get(email="kvalitet@munkedal.example")
    seed_cases(municipality=munkedal, actor=officer)
    seed_cases(municipality=munkedal, actor=officer)
    cases = {c.channel: c for c in Case.objects.filter(municipality=munkedal)}
    assert len(cases) == 2
    complaint = cases[CaseChannel.PUBLIC_FORM]
    assert complaint.status == CaseStatus.ANSWERED
    assert complaint.reply and complaint.provider_statement
    assert complaint.handler == officer
    deviation = cases[CaseChannel.PROVIDER]
    assert deviation.reference.startswith("AV-")
    assert deviation.provider == complaint.provider
