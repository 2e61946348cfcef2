"""Insights for operators: `GET /insights` (the page) and `GET /v1/insights` (its JSON), operators only.

A browser cannot put a bearer token on a page it navigates to, and a token must never go into a URL (it would
land in logs and history). So `/insights` without an `Authorization` header is a sign-in shell with no data;
its script (`/insights.js`) keeps the operator's token in the tab and fetches `/insights` again with the
header, and the answer is the server-rendered report. With a header, anyone but an operator gets 403.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials

from service.api.deps import AppContainer, AppTokens, Operator, bearer, current_operator
from service.api.insight_schemas import InsightsOut
from service.api.schemas import error_doc
from service.api.web import STATIC_HEADERS
from service.edge import csp_for
from service.errors import ApiError
from service.insights.export import report_json
from service.insights.page import report_page, sign_in_page
from service.insights.report import Report, report_for
from service.insights.window import SINCE_HELP, InvalidWindow
from service.web import read_text

router = APIRouter(tags=["insights"])
PRIVATE = {"Cache-Control": "no-store"}
ERRORS: dict[int | str, dict[str, Any]] = {
    401: error_doc("No or invalid token"),
    403: error_doc("The token's e-mail is not in PORTAL_OPERATOR_EMAILS"),
    422: error_doc("`since` or `until` names no period"),
    429: error_doc("Rate limited"),
}
Since = Annotated[str, Query(description=SINCE_HELP)]
Until = Annotated[str | None, Query(description="end of the period, excluded (default: now); like `since`")]


def _report(container: AppContainer, since: str, until: str | None) -> Report:
    try:
        return report_for(container.engine, since, until, container.billing.clock.now())
    except InvalidWindow as problem:
        raise ApiError(422, str(problem), "invalid_input") from None


@router.get(
    "/v1/insights",
    response_model=InsightsOut,
    responses=ERRORS,
    summary="Operators' figures: resolution, hand-offs, proposals, refusals, latency, satisfaction, knowledge gaps",
)
def insights_json(_: Operator, container: AppContainer, since: Since = "7d", until: Until = None) -> dict[str, Any]:
    return report_json(_report(container, since, until))


@router.get(
    "/insights",
    response_class=HTMLResponse,
    responses=ERRORS,
    summary="The insights page (operators only; without a token, the page to sign in with one)",
)
def insights_page(
    request: Request,
    container: AppContainer,
    tokens: AppTokens,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    since: Since = "7d",
    until: Until = None,
) -> HTMLResponse:
    if credentials is None:
        shell = sign_in_page(since)
        return HTMLResponse(shell, headers=PRIVATE | {"Content-Security-Policy": csp_for(shell)})
    current_operator(request, container, tokens, credentials)
    return HTMLResponse(report_page(_report(container, since, until), since), headers=PRIVATE)


@router.get("/insights.js", response_class=Response, summary="The insights page's script (sign-in, period)")
def insights_js() -> Response:
    return Response(
        read_text("insights.js"), media_type="application/javascript; charset=utf-8", headers=STATIC_HEADERS
    )
