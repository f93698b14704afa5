import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_is_200_with_json_when_everything_answers(client, settings):
    settings.REDIS_URL = ""
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_healthz_checks_redis_when_configured(client, settings, redis_url):
    settings.REDIS_URL = redis_url
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


def test_healthz_is_503_naming_redis_when_redis_is_down(client, settings):
    # Port 1 on loopback: nothing listens there, the connection is refused at once.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["down"] == ["redis"]
    assert body["checks"]["database"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_503_naming_the_database_when_it_fails(client, monkeypatch):
    from apps.core import health

    monkeypatch.setattr(health, "check_database", lambda: "OperationalError")
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 503
    assert response.json()["down"] == ["database"]
