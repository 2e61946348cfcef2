"""Hand-off to a person."""

from __future__ import annotations

from typing import Literal

from tools.base import HANDOFF, ctx_of, portal_tool, run_tool, to_json
from tools.context import Handoff, Runtime


@portal_tool(HANDOFF)
def create_support_case(
    queue: Literal["customer_service", "collector", "ae"], subject: str, summary: str, runtime: Runtime
) -> str:
    """Open a case with a person: collector (payments), ae (renewals), else customer_service."""
    ctx = ctx_of(runtime)

    def do() -> str:
        case = ctx.billing.create_support_case(ctx.principal, ctx.conversation_id, queue, subject, summary)
        ctx.turn.handoff = Handoff(case_id=case.id, queue=case.queue, assignee=case.assignee)
        return to_json({"ok": True, "case_id": case.id, "queue": case.queue, "assignee": case.assignee})

    return run_tool(runtime, "create_support_case", {"queue": queue, "subject": subject}, do)
