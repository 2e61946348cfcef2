"""The JSON of `GET /v1/insights` (and `portal-agent insights --json`): service/insights/export.py writes it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from service.api.schemas import Open


class WindowOut(BaseModel):
    since: str = Field(description="Start of the period, included (ISO 8601, UTC)")
    until: str = Field(description="End of the period, excluded (ISO 8601, UTC)")


class DayOut(BaseModel):
    day: str = Field(description="A UTC day, YYYY-MM-DD")
    conversations: int = Field(description="Conversations with a turn that day")
    turns: int


class ResolutionOut(BaseModel):
    conversations: int = Field(description="Conversations with a turn in the period")
    resolved: int = Field(description="Without a hand-off, a thumbs-down or a repeated question")
    rate: float | None = Field(description="resolved / conversations; null without conversations")
    handed_off: int
    thumbs_down: int
    repeated: int = Field(description="The same question (normalised text, 3 words or more) asked twice")


class HandoffsOut(BaseModel):
    total: int
    by_queue: dict[str, int]
    by_reason: dict[str, int] = Field(description="The case subject's leading category, else the subject")


class QualityOut(BaseModel):
    agent_turns: int = Field(description="Turns the model (or the built-in assistant) answered")
    degraded: int = Field(description="Turns the built-in assistant answered because the model failed")
    guard: dict[str, int] = Field(description="Output-guard interventions by reason")


class LatencyOut(BaseModel):
    turns: int
    p50_ms: int | None
    p95_ms: int | None


class CommentOut(BaseModel):
    at: str
    rating: int = Field(description="+1 thumbs up, -1 thumbs down")
    text: str = Field(description="Masked like every stored text")


class SatisfactionOut(BaseModel):
    ratings: int = Field(description="Ratings given or changed in the period")
    up: int
    down: int
    up_share: float | None
    comments: list[CommentOut] = Field(description="The latest comments, newest first")


class GapOut(BaseModel):
    count: int = Field(description="How often a question of this meaning was asked")
    examples: list[str] = Field(description="Up to 3 ways it was put, masked; most asked first")
    last_asked: str


class KnowledgeGapsOut(BaseModel):
    questions: int = Field(description="Questions the articles could not answer, or whose answer was rated down")
    groups: list[GapOut] = Field(description="Grouped by meaning (the offline embedder), most asked first")


class InsightsOut(Open):
    """Operators' figures over [since, until)."""

    window: WindowOut
    generated_at: str
    days: list[DayOut]
    resolution: ResolutionOut
    handoffs: HandoffsOut
    proposals: dict[str, int] = Field(
        description="Pending actions created in the period by status now: executed, rejected, expired (an "
        "unconfirmed one past its expiry included), failed, in_progress, pending"
    )
    refusals: dict[str, int] = Field(description="Refused tool calls by the domain's error code")
    quality: QualityOut
    latency: LatencyOut
    satisfaction: SatisfactionOut
    knowledge_gaps: KnowledgeGapsOut
