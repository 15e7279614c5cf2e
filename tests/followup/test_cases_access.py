"""The cases' URLs for the users the role matrix does not cover: a quality officer of a
municipality outside the case's (and outside any shared cooperation) and a provider that the
case is not about. Both get 404, as for a case that does not exist."""

import pytest
from django.urls import reverse

from lov_portal.accounts.constants import Role
from tests.factories import ProviderFactory, user_with_role
from tests.followup.factories import CaseFactory

CASE_URLS = [
    ("followup:case_detail", "get"),
    ("followup:case_assign", "post"),
    ("followup:case_transition", "post"),
    ("provider_followup:case_detail", "get"),
    ("provider_followup:case_detail", "post"),
]
LIST_URLS = ["followup:case_list", "provider_followup:case_list"]


@pytest.fixture
def case(municipality, provider):
    return CaseFactory(municipality=municipality, provider=provider)


@pytest.fixture
def outsiders(other_municipality):
    return {
        "other_officer": user_with_role(Role.QUALITY_OFFICER, municipality=other_municipality),
        "other_provider": user_with_role(Role.PROVIDER_USER, provider=ProviderFactory()),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), CASE_URLS)
@pytest.mark.parametrize("who", ["other_officer", "other_provider"])
def test_outsiders_get_404_or_403(client, case, outsiders, name, method, who):
    client.force_login(outsiders[who])
    response = getattr(client, method)(reverse(name, kwargs={"pk": case.pk}))
    # On their own side the case is not theirs: 404, as for a missing case. On the other
    # side they hold no permission at all (404 or 403).
    same_side = name.startswith("provider_") == (who == "other_provider")
    expected = {404} if same_side else {403, 404}
    assert response.status_code in expected, (name, who, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("name", LIST_URLS)
@pytest.mark.parametrize("who", ["other_officer", "other_provider"])
def test_outsiders_lists_do_not_show_the_case(client, case, outsiders, name, who):
    client.force_login(outsiders[who])
    response = client.get(reverse(name))
    assert response.status_code in (200, 403)
    assert case.reference.encode() not in response.content
