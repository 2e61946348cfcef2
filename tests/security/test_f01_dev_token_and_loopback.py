"""Finding 1: a public route minted tokens under default settings.

Development (the default) must not be reachable from other hosts, `serve` must refuse to listen on
them, and `/dev/token` signs only for the demo users, answering any other e-mail identically."""

from __future__ import annotations

import pytest
import typer
from skit import OUTSIDER, USERS, add_user, client_for, served

from service.app import create_app


async def test_dev_token_signs_only_demo_users_and_answers_others_identically(tmp_path):
    async with served(tmp_path) as (world, client):
        add_user(world, "zed@acme.example")  # a real portal user, not a demo one
        answers = []
        for email in ("zed@acme.example", "nobody@acme.example", "ZED@acme.example "):
            r = await client.post("/dev/token", json={"email": email})
            answers.append((r.status_code, r.text))
        assert answers[0][0] == 401 and '"token":' not in answers[0][1]
        assert len(set(answers)) == 1, answers  # a real user and nobody look the same
        demo = await client.post("/dev/token", json={"email": USERS["bob"]})
        assert demo.status_code == 200 and demo.json()["email"] == USERS["bob"]


@pytest.mark.parametrize(
    "path,method", [("/dev/token", "POST"), ("/dev/users", "GET"), ("/", "GET"), ("/v1/me", "GET"), ("/healthz", "GET")]
)
async def test_development_mode_refuses_other_hosts(tmp_path, path, method):
    async with served(tmp_path, host=OUTSIDER) as (world, client):
        r = await client.request(method, path, json={"email": USERS["alice"]}, headers=world.auth("alice"))
        assert r.status_code == 403, (path, r.status_code, r.text[:200])
        assert "development mode" in r.json()["message"] and "alice" not in r.text


async def test_production_serves_other_hosts_and_has_no_dev_routes(tmp_path):
    async with served(tmp_path, host=OUTSIDER, portal_env="production") as (world, client):
        assert (await client.get("/v1/me", headers=world.auth("alice"))).status_code == 200
        assert (await client.post("/dev/token", json={"email": USERS["alice"]})).status_code == 404


async def test_loopback_clients_still_use_development_mode(tmp_path):
    for host in ("127.0.0.1", "127.8.9.10", "::1"):
        async with served(tmp_path / host.replace(":", "_"), host=host) as (world, client):
            assert (await client.post("/dev/token", json={"email": USERS["alice"]})).status_code == 200, host


@pytest.fixture
def fake_uvicorn(monkeypatch, tmp_path, clear_service_caches):
    """`serve` with uvicorn.run recorded instead of run (nothing listens)."""
    import uvicorn

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append(kw))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    for name in ("PORTAL_ENV", "PORTAL_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    return calls


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "portal.example"])
def test_serve_refuses_other_interfaces_in_development(fake_uvicorn, host, capsys):
    from service.cli_serve import serve

    with pytest.raises(typer.Exit) as stop:
        serve(host=host, port=8000, workers=1, log_level="info")
    assert stop.value.exit_code == 2 and fake_uvicorn == []
    err = capsys.readouterr().err
    assert "development mode" in err and "PORTAL_ENV=production" in err


def test_serve_binds_loopback_in_development_and_anything_in_production(fake_uvicorn, monkeypatch):
    from bootstrap.settings import get_settings
    from service.cli_serve import serve

    serve(host="127.0.0.1", port=8000, workers=1, log_level="info")
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "a-random-production-secret-" + "x" * 20)
    get_settings.cache_clear()
    serve(host="0.0.0.0", port=8000, workers=1, log_level="info")
    assert [c["host"] for c in fake_uvicorn] == ["127.0.0.1", "0.0.0.0"]


async def test_the_app_itself_refuses_outsiders_when_started_without_serve(tmp_path):
    """`uvicorn --factory service.app:create_app --host 0.0.0.0` skips serve's check; the app's holds."""
    from tests.service.service_kit import make_world

    world = make_world(tmp_path)
    async with client_for(create_app(world.container), OUTSIDER) as client:
        r = await client.post("/dev/token", json={"email": USERS["alice"]})
        assert r.status_code == 403 and "token" not in r.json()
    world.container.engine.dispose()
