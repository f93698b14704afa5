"""Anonymous visitors' public pages read from the replica when one is configured; writes
and everyone else's reads go to the primary."""

import pytest
from django.conf import settings

from apps.opportunities.models import Opportunity
from portal import db_router
from portal.db_router import ReplicaRouter, reads_from_replica

router = ReplicaRouter()


@pytest.fixture
def with_replica(monkeypatch):
    monkeypatch.setattr(
        settings, "DATABASES", {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    )


def test_without_a_replica_everything_uses_the_primary():
    with reads_from_replica():
        assert router.db_for_read(Opportunity) == "default"


def test_marked_reads_use_the_replica_and_writes_never_do(with_replica):
    assert router.db_for_read(Opportunity) == "default"
    with reads_from_replica():
        assert router.db_for_read(Opportunity) == "replica"
        assert router.db_for_write(Opportunity) == "default"
    assert router.db_for_read(Opportunity) == "default"
    assert router.allow_migrate("default", "opportunities")
    assert not router.allow_migrate("replica", "opportunities")


@pytest.mark.django_db
def test_only_anonymous_public_pages_are_marked(client, monkeypatch):
    from tests.factories import UserFactory

    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    flags = []

    def spy(self, model, **hints):
        flags.append((model, db_router._reading_from_replica.get()))
        return "default"  # the test database stands for both

    monkeypatch.setattr(ReplicaRouter, "db_for_read", spy)
    client.get("/opportunities/")
    rows = [flag for model, flag in flags if model is Opportunity]
    assert rows and all(rows)
    # The area tree, kept by the process beyond the request, is read from the primary.
    assert not any(flag for model, flag in flags if model._meta.model_name == "technologyarea")

    flags.clear()
    client.force_login(UserFactory())
    client.get("/opportunities/?q=signed-in")
    assert flags and not any(flag for _, flag in flags)
