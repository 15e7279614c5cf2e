"""The demo data of follow-up visits: Munkedal's carried-out visit of a private provider with an
overdue action plan and a noted finding, seeded once however often it runs."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from followup.constants import FindingStatus, VisitStatus
from followup.demo_visits import seed_visits
from followup.models import FollowUpVisit
from followup.selectors import finding_list_overdue
from lov_portal.core.models import Municipality

pytestmark = pytest.mark.django_db


def test_seed_visits_builds_the_demo_visit_once(settings, tmp_path):
    settings.DEMO_PASSWORDS_ALLOWED = True
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", verbosity=0)
    munkedal = Municipality.objects.get(code="1430")

    seed_visits(municipality=munkedal, actor=None)
    seed_visits(municipality=munkedal, actor=None)

    visit = FollowUpVisit.objects.get(municipality=munkedal)
    assert visit.status == VisitStatus.DONE
    assert not visit.provider.is_in_house
    assert visit.officer.email == "kvalitet@munkedal.example"
    assert visit.checklist.count() > 5
    assert sorted(visit.findings.values_list("status", flat=True)) == sorted(
        [FindingStatus.AWAITING_PLAN, FindingStatus.NOTED]
    )
    assert finding_list_overdue(today=timezone.localdate()).filter(visit=visit).exists()
