import pytest
from django.urls import reverse

from apps.accounts.models import User
from apps.taxonomy.models import TechnologyArea


@pytest.fixture
def admin_client_without_mfa(client, settings):
    settings.ADMIN_REQUIRE_MFA = False
    user = User.objects.create_superuser(email="operator@example.com", password="pw-12345678")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_changelist_lists_the_tree_and_filters_by_top_level_area(admin_client_without_mfa):
    url = reverse("admin:taxonomy_technologyarea_changelist")
    response = admin_client_without_mfa.get(url)
    assert response.status_code == 200
    assert "trusted-microelectronics" in response.content.decode()

    response = admin_client_without_mfa.get(url, {"top_level": "space-technologies"})
    content = response.content.decode()
    assert "space-situational-awareness" in content
    assert "hypersonics" not in content

    response = admin_client_without_mfa.get(url, {"q": "量子"})
    assert "quantum-information-science" in response.content.decode()


@pytest.mark.django_db
def test_slug_is_prepopulated_on_add_and_read_only_on_change(admin_client_without_mfa):
    add = admin_client_without_mfa.get(reverse("admin:taxonomy_technologyarea_add"))
    assert add.status_code == 200
    assert 'name="slug"' in add.content.decode()
    assert "prepopulated" in add.content.decode()

    satellites = TechnologyArea.objects.get(slug="satellites")
    change_url = reverse("admin:taxonomy_technologyarea_change", args=[satellites.pk])
    change = admin_client_without_mfa.get(change_url)
    assert change.status_code == 200
    assert 'name="slug"' not in change.content.decode()


@pytest.mark.django_db
def test_admin_add_computes_the_position_and_refuses_a_cycle(admin_client_without_mfa):
    satellites = TechnologyArea.objects.get(slug="satellites")
    response = admin_client_without_mfa.post(
        reverse("admin:taxonomy_technologyarea_add"),
        {
            "parent": satellites.pk,
            "slug": "cubesats",
            "name_en": "CubeSats",
            "name_ja": "キューブサット",
            "description_en": "",
            "description_ja": "",
            "sort_order": 0,
        },
    )
    assert response.status_code == 302
    cubesats = TechnologyArea.objects.get(slug="cubesats")
    assert cubesats.path == "space-technologies/satellites/cubesats/"

    space = TechnologyArea.objects.get(slug="space-technologies")
    response = admin_client_without_mfa.post(
        reverse("admin:taxonomy_technologyarea_change", args=[space.pk]),
        {
            "parent": cubesats.pk,
            "name_en": space.name_en,
            "name_ja": space.name_ja,
            "description_en": space.description_en,
            "description_ja": space.description_ja,
            "sort_order": space.sort_order,
        },
    )
    assert response.status_code == 200  # the form comes back with the error
    space.refresh_from_db()
    assert space.parent is None
