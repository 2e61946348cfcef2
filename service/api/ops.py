"""Operations: liveness, readiness and Prometheus metrics (no authentication; keep them off the internet)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from service.api.deps import AppContainer, AppMetrics, limit_clients
from service.api.schemas import ErrorBody, Health, Readiness
from service.health import run_checks

# No user to charge: limited per client address (a load balancer's probes stay far below the limit).
router = APIRouter(
    tags=["operations"], dependencies=[Depends(limit_clients("ops"))], responses={429: {"model": ErrorBody}}
)


@router.get("/healthz", response_model=Health, summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness}},
    summary="Readiness: database reachable and knowledge index openable",
)
def readyz(request: Request, container: AppContainer) -> JSONResponse:
    checks = run_checks(container, getattr(request.app.state, "readiness_checks", None))
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503)


@router.get("/metrics", response_class=Response, summary="Prometheus metrics (text format)")
def metrics(m: AppMetrics) -> Response:
    return Response(m.render(), media_type=m.content_type)
