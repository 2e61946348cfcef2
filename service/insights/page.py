"""The insights page: the report as server-rendered HTML (every value escaped, charts as inline SVG, no script),
and the sign-in shell a browser opens first (service/web/insights.js fetches the report with the token)."""

from __future__ import annotations

import datetime as dt
import html
from string import Template

from service.insights.charts import Bar, bar_chart
from service.insights.gaps import Gap
from service.insights.report import Report
from service.insights.resolution import REPEAT_MIN_WORDS
from service.web import read_text

PERIODS = ("24h", "7d", "30d", "90d")
TITLE = "Assistant insights"


def report_page(report: Report, since: str = "7d") -> str:
    """The whole report, self-contained (the CLI's --html file is this page)."""
    sections = [
        _heading(report, since),
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
    return _page(TITLE, "\n".join(sections))


def sign_in_page(since: str = "7d") -> str:
    """What a browser gets without a token: a form for the operator's token, kept in the tab's sessionStorage
    and sent as `Authorization: Bearer` by insights.js (a token never goes into a URL)."""
    body = Template(read_text("insights_sign_in.html")).substitute(periods=_period_options(since))
    header = (
        '<p id="operator-status" role="status" aria-live="polite"></p>'
        '<button type="button" id="operator-sign-out" hidden>Sign out</button>'
    )
    return _page(TITLE, body, header, '<script src="/insights.js"></script>')


def _page(title: str, body: str, header: str = "", script: str = "") -> str:
    return Template(read_text("insights.html")).substitute(title=_e(title), header=header, body=body, script=script)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _when(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f} %"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _ms(value: int | None) -> str:
    return "-" if value is None else f"{value:,} ms"


def _section(section_id: str, title: str, *content: str) -> str:
    heading = f'<h2 id="{section_id}-h">{_e(title)}</h2>'
    return f'<section id="{section_id}" aria-labelledby="{section_id}-h">{heading}{"".join(content)}</section>'


def _period_options(since: str) -> str:
    periods = PERIODS if since in PERIODS else (*PERIODS, since)
    return "".join(f'<option value="{_e(p)}"{" selected" if p == since else ""}>{_e(p)}</option>' for p in periods)


def _heading(report: Report, since: str) -> str:
    r, s = report.resolution, report.satisfaction
    tiles = [
        ("Conversations", str(r.conversations)),
        ("Turns", str(sum(d.turns for d in report.days))),
        ("Resolved", _percent(r.rate)),
        ("Hand-offs", str(report.handoffs.total)),
        ("Thumbs up", f"{_percent(s.up_share)} of {s.ratings}"),
        ("Knowledge gaps", str(len(report.knowledge_gaps.groups))),
    ]
    return (
        f'<h1 id="insights-title">{_e(TITLE)}</h1>'
        f'<p class="period">From {_when(report.window.since)} to {_when(report.window.until)} '
        f"(generated {_when(report.generated_at)}).</p>"
        '<form class="insights-window" method="get" action="/insights"><div><label for="insights-since">Period</label>'
        f'<select id="insights-since" name="since">{_period_options(since)}</select></div>'
        '<button type="submit">Show</button></form>'
        '<dl class="tiles">' + "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in tiles) + "</dl>"
    )


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
        f"<p>{r.resolved} of {r.conversations} conversations resolved ({_percent(r.rate)}).</p>",
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
    rows = "".join(f'<tr><td>{_e(k)}</td><td class="num">{v}</td></tr>' for k, v in h.by_reason.items())
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
        f'<li><blockquote>{_e(c.text)}</blockquote><p class="note">{"thumbs up" if c.rating > 0 else "thumbs down"}'
        f", {_when(c.at)}</p></li>"
        for c in s.comments
    )
    return _section(
        "satisfaction",
        "Satisfaction",
        f"<p>{_n(s.ratings, 'rating')}, {_percent(s.up_share)} thumbs up.</p>",
        bar_chart("chart-ratings", "Ratings", bars if s.ratings else []),
        f'<h3>Recent comments</h3><ul id="recent-comments">{comments}</ul>' if comments else "",
    )


def _gap_row(gap: Gap) -> str:
    examples = "".join(f"<li>{_e(e)}</li>" for e in gap.examples)
    return f'<tr><td class="num">{gap.count}</td><td><ul>{examples}</ul></td><td>{_when(gap.last_asked)}</td></tr>'


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
