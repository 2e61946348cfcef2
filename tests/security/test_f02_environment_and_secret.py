"""Finding 2: a mistyped PORTAL_ENV fell back to the published secret.

PORTAL_ENV is exactly `development` or `production`; anything else refuses to start, naming the
accepted values; a production start needs a strong secret that is not the development one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bootstrap.settings import DEV_SECRET, Settings, get_settings

ROOT = Path(__file__).resolve().parents[2]
STRONG = "a-random-production-secret-" + "k" * 20


@pytest.mark.parametrize(
    "env", ["prod", "Production", "production ", " development", "PRODUCTION", "dev", "staging", "test", ""]
)
def test_an_unknown_environment_refuses_to_start(env):
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, portal_env=env, portal_secret_key=STRONG)
    assert "'development' or 'production'" in str(refused.value)


@pytest.mark.parametrize("secret", [DEV_SECRET, "short", "x" * 31])
def test_production_refuses_the_development_or_a_weak_secret(secret):
    with pytest.raises(ValidationError, match="PORTAL_SECRET_KEY"):
        Settings(_env_file=None, portal_env="production", portal_secret_key=secret)


def test_the_environment_variable_is_checked_at_start_up(monkeypatch, tmp_path, clear_service_caches):
    from bootstrap.settings import InvalidSettings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PORTAL_ENV", "prod")
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    with pytest.raises(InvalidSettings) as refused:
        get_settings()
    assert "PORTAL_ENV" in str(refused.value) and "'production'" in str(refused.value)


def test_the_cli_prints_the_problem_and_signs_nothing(tmp_path):
    """`PORTAL_ENV=prod portal-agent token --as alice@acme.example` used to print a token signed with
    the published development secret."""
    env = {**os.environ, "PORTAL_ENV": "prod", "PORTAL_DATA_DIR": str(tmp_path / "data")}
    env.pop("PORTAL_SECRET_KEY", None)
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "token", "--as", "alice@acme.example"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "eyJ" not in done.stdout
    assert "PORTAL_ENV must be exactly 'development' or 'production'" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_token_signed_with_the_development_secret_is_refused_in_production(tmp_path):
    """What finding 2 allowed: anyone can sign with the published secret."""
    import asyncio

    from skit import served

    from service.auth import issue_token

    async def probe() -> int:
        async with served(tmp_path, portal_env="production") as (_, client):
            forged = issue_token("alice@acme.example", DEV_SECRET)
            return (await client.get("/v1/me", headers={"Authorization": f"Bearer {forged}"})).status_code

    assert asyncio.run(probe()) == 401
