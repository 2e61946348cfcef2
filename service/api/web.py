"""The web surface: the demo page at `/`, the embeddable widget, help articles, and (development only)
the demo-user picker's token route.

`dev_router` is only mounted when PORTAL_ENV=development; in production the routes do not exist
(404) and the embedding portal passes a token it signed with PORTAL_SECRET_KEY. Even in development
`/dev/token` signs only for the demo world's users (SPEC section 3), never for any other portal user,
and answers every other e-mail the same way whether or not it belongs to a user.
"""

from __future__ import annotations

import datetime as dt
import html
from string import Template

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from billing.errors import UnknownUser
from billing.principal import Principal
from service.api.deps import AppContainer, AppTokens, limit_clients
from service.api.schemas import DevTokenIn, DevTokenOut, DevUser, ErrorBody, error_doc
from service.edge import csp_for
from service.errors import ApiError
from service.help_pages import article
from service.web import read_text

router = APIRouter(tags=["widget"])
dev_router = APIRouter(prefix="/dev", tags=["development only"], dependencies=[Depends(limit_clients("dev"))])
STATIC_HEADERS = {"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"}


@router.get("/", response_class=HTMLResponse, summary="Demo page with the chat widget")
def index(request: Request, container: AppContainer) -> HTMLResponse:
    dev = container.settings.is_development
    page = Template(read_text("index.html")).substitute(
        env="development" if dev else "production",
        picker=read_text("picker.html") if dev else read_text("no_picker.html"),
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store", "Content-Security-Policy": csp_for(page)})


@router.get("/widget.js", response_class=Response, summary="The embeddable chat widget (plain JS)")
def widget_js() -> Response:
    return Response(read_text("widget.js"), media_type="application/javascript; charset=utf-8", headers=STATIC_HEADERS)


@router.get("/portal_view.js", response_class=Response, summary="The demo page's contracts and invoices panel")
def portal_view_js() -> Response:
    return Response(
        read_text("portal_view.js"), media_type="application/javascript; charset=utf-8", headers=STATIC_HEADERS
    )


@router.get("/widget.css", response_class=Response, summary="The widget's styles (loaded by widget.js)")
def widget_css() -> Response:
    return Response(read_text("widget.css"), media_type="text/css; charset=utf-8", headers=STATIC_HEADERS)


@router.get(
    "/help/{slug}",
    response_class=HTMLResponse,
    responses={404: error_doc("No such article")},
    summary="A knowledge-base article (the target of citation links)",
)
def help_article(slug: str) -> HTMLResponse:
    found = article(slug)
    if found is None:
        raise ApiError(404, "No such help article.")
    title, body = found
    page = Template(read_text("page.html")).substitute(title=html.escape(title), body=body)
    return HTMLResponse(page, headers={"Cache-Control": "public, max-age=300"})


def demo_users() -> list[dict[str, str]]:
    from billing.demo import demo_entities
    from billing.entities import ContractContact, PortalUser

    today, now = dt.date(2026, 1, 1), dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # only names and roles
    entities = list(demo_entities(today, now))
    contracts: dict[str, list[str]] = {}
    for e in entities:
        if isinstance(e, ContractContact):
            contracts.setdefault(e.email, []).append(e.contract_id)
    users = []
    for u in (e for e in entities if isinstance(e, PortalUser)):
        note = (
            "partner/reseller: no portal access"
            if u.reseller
            else "contracts " + ", ".join(sorted(contracts[u.email]))
            if contracts.get(u.email)
            else "no contracts"
        )
        users.append({"email": u.email, "name": u.name, "note": note})
    return users


@dev_router.get(
    "/users",
    response_model=list[DevUser],
    responses={429: {"model": ErrorBody}},
    summary="The demo users (development only)",
)
def dev_users() -> list[dict[str, str]]:
    return demo_users()


def demo_emails() -> frozenset[str]:
    return frozenset(u["email"] for u in demo_users())


@dev_router.post(
    "/token",
    response_model=DevTokenOut,
    responses={401: {"model": ErrorBody}, 429: {"model": ErrorBody}},
    summary="A bearer token for a demo user (development only)",
)
def dev_token(body: DevTokenIn, container: AppContainer, tokens: AppTokens) -> dict[str, str]:
    principal = Principal(body.email)
    refused = ApiError(401, "Only the demo users can get a development token.", "unauthenticated")
    if principal.email not in demo_emails():  # the same answer for a real user and for nobody
        raise refused
    try:
        container.billing.require_user(principal)
    except UnknownUser:  # a demo user missing from this database
        raise refused from None
    return {"token": tokens.issue(principal.email), "email": principal.email}
