import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run_production(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings.production", **env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION_ENV = {
    "ALLOWED_HOSTS": "kakehashi.example",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/kakehashi",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_production_refuses_to_start_without_a_secret_key():
    result = _run_production(PRODUCTION_ENV)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_weak_secret_key():
    result = _run_production({**PRODUCTION_ENV, "SECRET_KEY": "django-insecure-abc"})
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


@pytest.mark.slow
def test_check_deploy_is_clean_in_production():
    result = _run_production({**PRODUCTION_ENV, "SECRET_KEY": "k" * 10 + "x7Qm2Lp9Zr" * 6})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
