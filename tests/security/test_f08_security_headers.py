"""Finding 8: HTML pages sent no CSP, frame-ancestors, X-Frame-Options or nosniff (the page with the
Confirm button could be framed), and /docs loaded a CDN script without integrity."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from skit import served


def _inline_script_hashes(page: str) -> set[str]:
    bodies = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", page, re.DOTALL)
    return {"'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'" for b in bodies}


def _directives(csp: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in csp.split(";")) if part}


@pytest.mark.parametrize("env", ["development", "production"])
@pytest.mark.parametrize("path", ["/", "/help/paying-invoices", "/docs"])
async def test_html_pages_cannot_be_framed_sniffed_or_run_foreign_script(tmp_path, env, path):
    async with served(tmp_path, portal_env=env) as (_, client):
        r = await client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    csp = _directives(r.headers["content-security-policy"])
    assert csp["frame-ancestors"] == ["'none'"] and csp["default-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp.get("script-src", []) and "'unsafe-eval'" not in csp.get("script-src", [])
    assert not any(s.startswith(("http", "*")) for s in csp.get("script-src", []))
    # every inline script the page has is allowed by hash, nothing else is
    allowed = {s for s in csp.get("script-src", []) if s.startswith("'sha256-")}
    assert allowed == _inline_script_hashes(r.text)
    # no script or stylesheet from another origin
    assert not re.search(r"""<(script|link)[^>]+(src|href)=["']?(https?:)?//""", r.text), path


async def test_docs_assets_are_served_by_the_service_itself(tmp_path):
    async with served(tmp_path, portal_env="production") as (_, client):
        page = (await client.get("/docs")).text
        assets = re.findall(r"""(?:src|href)=["'](/docs-assets/[^"']+)["']""", page)
        assert len(assets) >= 2
        for asset in assets:
            r = await client.get(asset)
            assert r.status_code == 200 and len(r.content) > 100, asset
        assert "cdn.jsdelivr.net" not in page and "/openapi.json" in page
        assert (await client.get("/redoc")).status_code == 404  # ReDoc would load a CDN script: not offered


async def test_json_and_link_pages_carry_nosniff_and_no_framing(tmp_path):
    async with served(tmp_path, portal_env="production") as (world, client):
        api = await client.get("/v1/me", headers=world.auth("alice"))
        assert api.headers["x-content-type-options"] == "nosniff"
        form = await client.get(
            world.container.links.path("card_form", "C-1001", "alice@acme.example"), headers={"Accept": "text/html"}
        )
        assert form.status_code == 200 and form.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in form.headers["content-security-policy"]
        assert form.headers["x-content-type-options"] == "nosniff"
