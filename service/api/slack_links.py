"""`POST /v1/slack/link-code`: a signed-in portal user gets a one-time code to link their Slack account.

The user sends `link CODE` to the bot in a direct message within 10 minutes (service/slack/identity.py).
The code is shown only to the caller; pasted in a channel it is cancelled.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel

from service.api.deps import AppContainer, CurrentPrincipal
from service.api.schemas import ErrorBody
from service.slack.identity import CODE_TTL, SlackLinks

router = APIRouter(prefix="/v1/slack", tags=["portal"])


class LinkCodeOut(BaseModel):
    code: str
    expires_at: str
    instructions: str


@router.post(
    "/link-code",
    response_model=LinkCodeOut,
    status_code=201,
    responses={code: {"model": ErrorBody} for code in (401, 429)},
    summary="A one-time code that links your Slack account to you (send `link CODE` to the bot in a DM)",
)
def link_code(principal: CurrentPrincipal, container: AppContainer) -> dict[str, str]:
    code = SlackLinks(container.engine).issue_code(principal.email)
    expires = dt.datetime.now(dt.UTC) + CODE_TTL
    return {
        "code": code,
        "expires_at": expires.isoformat(timespec="seconds"),
        "instructions": f"Send `link {code}` to the Billing Portal bot in a direct message (not in a channel) "
        f"within {int(CODE_TTL.total_seconds() // 60)} minutes. The code works once.",
    }
