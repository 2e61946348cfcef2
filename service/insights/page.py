"""The insights page: the report as server-rendered HTML (every value escaped, charts as inline SVG, no script),
and the sign-in shell a browser opens first (service/web/insights.js fetches the report with the token)."""

from __future__ import annotations

from string import Template

from service.insights.report import Report
from service.insights.sections import escape, percent, sections, when
from service.web import read_text

PERIODS = ("24h", "7d", "30d", "90d")
TITLE = "Assistant insights"


def report_page(report: Report, since: str = "7d") -> str:
    """The whole report, self-contained (the CLI's --html file is this page)."""
    return _page(TITLE, "\n".join([_heading(report, since), *sections(report)]))


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
    return Template(read_text("insights.html")).substitute(title=escape(title), header=header, body=body, script=script)


def _period_options(since: str) -> str:
    periods = PERIODS if since in PERIODS else (*PERIODS, since)
    return "".join(
        f'<option value="{escape(p)}"{" selected" if p == since else ""}>{escape(p)}</option>' for p in periods
    )


def _heading(report: Report, since: str) -> str:
    r, s = report.resolution, report.satisfaction
    tiles = [
        ("Conversations", str(r.conversations)),
        ("Turns", str(sum(d.turns for d in report.days))),
        ("Resolved", percent(r.rate)),
        ("Hand-offs", str(report.handoffs.total)),
        ("Thumbs up", f"{percent(s.up_share)} of {s.ratings}"),
        ("Knowledge gaps", str(len(report.knowledge_gaps.groups))),
    ]
    return (
        f'<h1 id="insights-title">{escape(TITLE)}</h1>'
        f'<p class="period">From {when(report.window.since)} to {when(report.window.until)} '
        f"(generated {when(report.generated_at)}).</p>"
        '<form class="insights-window" method="get" action="/insights"><div><label for="insights-since">Period</label>'
        f'<select id="insights-since" name="since">{_period_options(since)}</select></div>'
        '<button type="submit">Show</button></form>'
        '<dl class="tiles">'
        + "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in tiles)
        + "</dl>"
    )
