"""The report's sections as HTML: a heading, a sentence, a chart or a table each; every value escaped."""

from __future__ import annotations

import datetime as dt
import html

from service.insights.charts import Bar, bar_chart
from service.insights.gaps import Gap
from service.insights.report import Report
from service.insights.resolution import REPEAT_MIN_WORDS


def sections(report: Report) -> list[str]:
    """Each figure's section, in the page's order."""
    return [
        _activity(report),
        _resolution(report),
        _handoffs(report),
        _proposals(report),
        _refusals(report),
        _quality(report),
        _latency(report),
        _satisfaction(report),
        _gaps(report),
    ]


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


def when(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f} %"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _ms(value: int | None) -> str:
    return "-" if value is None else f"{value:,} ms"


def _section(section_id: str, title: str, *content: str) -> str:
    heading = f'<h2 id="{section_id}-h">{escape(title)}</h2>'
    return f'<section id="{section_id}" aria-labelledby="{section_id}-h">{heading}{"".join(content)}</section>'


def _counts(chart_id: str, title: str, counts: dict[str, int], tone: str = "") -> str:
    return bar_chart(chart_id, title, [Bar(k, v, str(v), tone) for k, v in counts.items()])


def _activity(report: Report) -> str:
    bars = [
        Bar(d.day.isoformat(), d.turns, f"{_n(d.turns, 'turn')}, {_n(d.conversations, 'conversation')}")
        for d in report.days
    ]
    return _section(
        "activity", "Conversations and turns per day", bar_chart("chart-turns", "Turns per day (UTC)", bars)
    )


def _resolution(report: Report) -> str:
    r = report.resolution
    return _section(
        "resolution",
        "Resolution",
        f"<p>{r.resolved} of {r.conversations} conversations resolved ({percent(r.rate)}).</p>",
        bar_chart(
            "chart-unresolved",
            "Why a conversation was not resolved",
            [
                Bar("handed off to a person", r.handed_off, str(r.handed_off), "down"),
                Bar("a reply rated thumbs down", r.thumbs_down, str(r.thumbs_down), "down"),
                Bar("the same question asked again", r.repeated, str(r.repeated), "down"),
            ],
        ),
        '<p class="note">A conversation is resolved when it had no hand-off, no thumbs-down and no repeated '
        f"question (the same text, case and punctuation aside, of {REPEAT_MIN_WORDS} words or more).</p>",
    )


def _handoffs(report: Report) -> str:
    h = report.handoffs
    rows = "".join(f'<tr><td>{escape(k)}</td><td class="num">{v}</td></tr>' for k, v in h.by_reason.items())
    table = (
        '<table id="handoff-reasons"><caption>Hand-offs by reason</caption>'
        '<thead><tr><th scope="col">Reason</th><th scope="col" class="num">Hand-offs</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
        if rows
        else ""
    )
    return _section(
        "handoffs",
        "Hand-offs",
        f"<p>{_n(h.total, 'support case')} opened by the assistant.</p>",
        _counts("chart-handoff-queues", "Hand-offs by queue", h.by_queue),
        table,
    )


def _proposals(report: Report) -> str:
    bars = [Bar(k, v, str(v), "down" if k in ("expired", "failed") else "") for k, v in report.proposals.items()]
    return _section(
        "proposals",
        "Proposals",
        bar_chart("chart-proposals", "Proposals by outcome", bars if any(b.value for b in bars) else []),
        '<p class="note">Changes proposed in the period, by what became of them; one left unconfirmed past its '
        "15 minutes counts as expired (abandoned).</p>",
    )


def _refusals(report: Report) -> str:
    return _section("refusals", "Refusals", _counts("chart-refusals", "Refused requests by reason", report.refusals))


def _quality(report: Report) -> str:
    q = report.quality
    return _section(
        "quality",
        "Degraded turns and output guard",
        f"<p>{q.degraded} of {q.agent_turns} answered turns were degraded (the built-in assistant answered for "
        "the model).</p>",
        _counts("chart-guard", "Output-guard interventions by reason", q.guard, "down"),
    )


def _latency(report: Report) -> str:
    lat = report.latency
    bars = [Bar("p50", lat.p50_ms or 0, _ms(lat.p50_ms)), Bar("p95", lat.p95_ms or 0, _ms(lat.p95_ms))]
    return _section(
        "latency",
        "Reply time",
        bar_chart("chart-latency", f"Reply time of {lat.turns} answered turns", bars if lat.turns else []),
    )


def _satisfaction(report: Report) -> str:
    s = report.satisfaction
    bars = [Bar("thumbs up", s.up, str(s.up)), Bar("thumbs down", s.down, str(s.down), "down")]
    comments = "".join(
        f'<li><blockquote>{escape(c.text)}</blockquote><p class="note">{"thumbs up" if c.rating > 0 else "thumbs down"}'
        f", {when(c.at)}</p></li>"
        for c in s.comments
    )
    return _section(
        "satisfaction",
        "Satisfaction",
        f"<p>{_n(s.ratings, 'rating')}, {percent(s.up_share)} thumbs up.</p>",
        bar_chart("chart-ratings", "Ratings", bars if s.ratings else []),
        f'<h3>Recent comments</h3><ul id="recent-comments">{comments}</ul>' if comments else "",
    )


def _gap_row(gap: Gap) -> str:
    examples = "".join(f"<li>{escape(e)}</li>" for e in gap.examples)
    return f'<tr><td class="num">{gap.count}</td><td><ul>{examples}</ul></td><td>{when(gap.last_asked)}</td></tr>'


def _gaps(report: Report) -> str:
    k = report.knowledge_gaps
    intro = (
        f"<p>{_n(k.questions, 'question')} the help articles could not answer (or whose answer was rated thumbs "
        f"down), in {_n(len(k.groups), 'group')} of one meaning.</p>"
    )
    if not k.groups:
        return _section("knowledge-gaps", "Knowledge gaps", intro)
    table = (
        '<table id="knowledge-gap-table"><caption>Knowledge gaps, most asked first</caption><thead><tr>'
        '<th scope="col" class="num">Asked</th><th scope="col">Examples</th><th scope="col">Last asked</th>'
        f"</tr></thead><tbody>{''.join(_gap_row(g) for g in k.groups)}</tbody></table>"
    )
    return _section("knowledge-gaps", "Knowledge gaps", intro, table)
