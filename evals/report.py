"""Reports of an evaluation run: a console table per suite, report.json, report.md and a
self-contained report.html (inline CSS and an inline SVG chart; no scripts, no external files)."""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

from evals.harness import EvalRun, SuiteResult
from evals.records import TrialResult

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console


def run_dict(run: EvalRun) -> dict[str, object]:
    return {
        "variant": run.variant,
        "trials": run.trials,
        "workers": run.workers,
        "seconds": run.seconds,
        "started_at": run.started_at,
        "settings": run.settings,
        "suites": [s.summary() for s in run.suites],
        "scenarios": [
            {
                "id": sr.scenario.id,
                "suite": sr.scenario.suite,
                "title": sr.scenario.title,
                "user": sr.scenario.user,
                "today": sr.scenario.today.isoformat(),
                "tags": list(sr.scenario.tags),
                "source": sr.scenario.source,
                "trials": sr.n,
                "passed": sr.c,
                "results": [t.to_dict() for t in sr.trials],
            }
            for s in run.suites
            for sr in s.scenarios
        ],
    }


def _fmt(x: float) -> str:
    return "n/a" if isinstance(x, float) and math.isnan(x) else f"{x:.3f}"


def print_tables(run: EvalRun, console: Console | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    k = run.trials
    table = Table(title=f"Scenario evals — {run.variant}, {k} trial(s), {run.seconds:.1f} s")
    for col in (
        "suite",
        "scenarios",
        "pass^1",
        f"pass^{k}",
        "tool calls/trial",
        "tokens/trial",
        "turn ms p50",
        "turn ms p95",
    ):
        table.add_column(col, justify="left" if col == "suite" else "right")
    for s in run.suites:
        m = s.figures()
        table.add_row(
            s.name,
            str(m["scenarios"]),
            _fmt(m["pass^1"]),
            _fmt(round(s.pass_k(k), 4)),
            f"{m['tool_calls_per_trial']:.2f}",
            f"{m['tokens_per_trial']:.0f}",
            f"{m['turn_ms_p50']:.0f}",
            f"{m['turn_ms_p95']:.0f}",
        )
    console.print(table)
    for s in run.suites:
        for sr in s.scenarios:
            if sr.c < sr.n:
                first = next(t for t in sr.trials if not t.passed)
                reasons = "; ".join(f"{k}: {v[0]}" for k, v in first.failures.items())
                console.print(
                    f"  [red]FAIL[/red] {s.name}/{sr.scenario.id} ({sr.c}/{sr.n}) — {reasons}",
                    markup=True,
                    highlight=False,
                )


def markdown(run: EvalRun) -> str:
    k = run.trials
    lines = [
        f"# Scenario evals — {run.variant}",
        "",
        f"{run.trials} trial(s) per scenario, {run.workers} worker(s), {run.seconds:.1f} s, started {run.started_at}.",
        "",
        f"| suite | scenarios | pass^1 | pass^{k} | tool calls/trial | tokens/trial | turn ms p50 | turn ms p95 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in run.suites:
        m = s.figures()
        lines.append(
            f"| {s.name} | {m['scenarios']} | {_fmt(m['pass^1'])} | {_fmt(round(s.pass_k(k), 4))} | "
            f"{m['tool_calls_per_trial']:.2f} | {m['tokens_per_trial']:.0f} | {m['turn_ms_p50']:.0f} | "
            f"{m['turn_ms_p95']:.0f} |"
        )
    failed = [(s, sr) for s in run.suites for sr in s.scenarios if sr.c < sr.n]
    lines += ["", "## Failed scenarios", ""] + (["None."] if not failed else [])
    for s, sr in failed:
        first = next(t for t in sr.trials if not t.passed)
        lines.append(f"- **{s.name}/{sr.scenario.id}** ({sr.c}/{sr.n} trials passed) — {sr.scenario.title}")
        for check, msgs in first.failures.items():
            for msg in msgs[:5]:
                lines.append(f"  - `{check}`: {msg}")
    return "\n".join(lines) + "\n"


# -- HTML ------------------------------------------------------------------------------------------
CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#1d2433;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}table{border-collapse:collapse;margin:8px 0}
td,th{border:1px solid #d5d9e2;padding:4px 8px;text-align:right}th{background:#f2f4f8}td:first-child,th:first-child{text-align:left}
details{border:1px solid #d5d9e2;border-radius:6px;margin:6px 0;padding:4px 10px}summary{cursor:pointer}
.pass{color:#11703a;font-weight:600}.fail{color:#b4232a;font-weight:600}.muted{color:#667085}
.turn{margin:6px 0;padding:6px 8px;border-left:3px solid #d5d9e2}.user{border-color:#3b82f6;background:#f5f9ff}
.agent{border-color:#10b981;background:#f4fbf8;white-space:pre-wrap}.fails{background:#fff4f4;border:1px solid #f3c2c4;padding:6px 10px}
code,pre{font:12px ui-monospace,Menlo,monospace}pre{white-space:pre-wrap;margin:2px 0}
"""


def _e(x: object) -> str:
    return html.escape(str(x), quote=True)


def svg_chart(suites: list[SuiteResult], k: int) -> str:
    """Grouped bars: pass^1 and pass^k per suite, 0..1."""
    bar, gap, group_gap, height, left, top = 26, 4, 36, 180, 40, 16
    width = left + len(suites) * (2 * bar + gap + group_gap) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 60}" role="img" '
        f'aria-label="pass rate per suite">'
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        y = top + height * (1 - tick)
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e6ec"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#667085">{tick:.2f}</text>'
        )
    for i, s in enumerate(suites):
        x0 = left + 10 + i * (2 * bar + gap + group_gap)
        for j, (value, color, label) in enumerate(
            ((s.pass_k(1), "#3b82f6", "pass^1"), (s.pass_k(k), "#10b981", f"pass^{k}"))
        ):
            v = 0.0 if math.isnan(value) else value
            h = height * v
            x = x0 + j * (bar + gap)
            parts.append(
                f'<rect x="{x}" y="{top + height - h:.1f}" width="{bar}" height="{h:.1f}" fill="{color}">'
                f"<title>{_e(s.name)} {label} = {_fmt(value)}</title></rect>"
                f'<text x="{x + bar / 2}" y="{top + height - h - 3:.1f}" font-size="10" text-anchor="middle">'
                f"{v:.2f}</text>"
            )
        parts.append(
            f'<text x="{x0 + bar + gap / 2}" y="{top + height + 16}" font-size="12" text-anchor="middle">'
            f"{_e(s.name)}</text>"
        )
    lx = left
    parts.append(
        f'<rect x="{lx}" y="{top + height + 32}" width="10" height="10" fill="#3b82f6"/>'
        f'<text x="{lx + 14}" y="{top + height + 41}" font-size="11">pass^1</text>'
        f'<rect x="{lx + 70}" y="{top + height + 32}" width="10" height="10" fill="#10b981"/>'
        f'<text x="{lx + 84}" y="{top + height + 41}" font-size="11">pass^{k}</text></svg>'
    )
    return "".join(parts)


def _trial_html(t: TrialResult) -> str:
    status = '<span class="pass">pass</span>' if t.passed else '<span class="fail">fail</span>'
    out = [
        f"<details{'' if t.passed else ' open'}><summary>trial {t.trial + 1}: {status} "
        f'<span class="muted">— {t.tool_calls} tool call(s), {t.tokens} tokens, {t.seconds:.2f} s</span></summary>'
    ]
    if t.failures:
        out.append('<div class="fails"><b>Failed assertions</b><ul>')
        out += [f"<li><code>{_e(check)}</code>: {_e(msg)}</li>" for check, msgs in t.failures.items() for msg in msgs]
        out.append("</ul></div>")
    for n, s in enumerate(t.steps, 1):
        said = _e(s.text) if s.kind == "say" else f"<i>[pressed {_e(s.kind.title())}]</i>"
        out.append(f'<div class="turn user"><b>{n}. user</b>: {said}</div>')
        meta = []
        if s.tool_calls:
            meta.append(
                "tools: "
                + ", ".join(
                    f"{_e(c['name'])}({_e(json.dumps(c.get('args', {})))}){'' if c.get('ok', True) else ' ✗'}"
                    for c in s.tool_calls
                )
            )
        if s.pending:
            meta.append(f"proposed: {_e(s.pending.get('tool'))} — {_e(s.pending.get('summary'))}")
        if s.decided:
            meta.append(f"decided: {_e(s.decided.get('tool', ''))} → {_e(s.decided.get('status'))}")
        if s.citations:
            meta.append("citations: " + ", ".join(_e(c.get("source")) for c in s.citations))
        if s.handoff:
            meta.append(f"hand-off: {_e(json.dumps(s.handoff))}")
        if s.changed or s.executed:
            meta.append(
                f"database: changed {_e(', '.join(s.changed) or '-')}; executed {_e(', '.join(s.executed) or '-')}"
            )
        if s.note:
            meta.append(f"note: {_e(s.note.splitlines()[0] if s.error is None else s.note)}")
        meta.append(
            f"{s.ms:.0f} ms, {s.input_tokens}+{s.output_tokens} tokens, model {_e(s.model)}"
            + (" (degraded)" if s.degraded else "")
        )
        out.append(
            f'<div class="turn agent"><b>agent</b>: {_e(s.reply)}<pre class="muted">{"<br>".join(meta)}</pre></div>'
        )
    if t.end_diff:
        out.append(
            f"<details><summary>end state vs. seeded database</summary><pre>"
            f"{_e(json.dumps(t.end_diff, indent=1, default=str))}</pre></details>"
        )
    out.append("</details>")
    return "".join(out)


def html_report(run: EvalRun) -> str:
    k = run.trials
    rows = []
    for s in run.suites:
        m = s.figures()
        rows.append(
            f"<tr><td>{_e(s.name)}</td><td>{m['scenarios']}</td><td>{_fmt(m['pass^1'])}</td>"
            f"<td>{_fmt(round(s.pass_k(k), 4))}</td><td>{m['tool_calls_per_trial']:.2f}</td>"
            f"<td>{m['tokens_per_trial']:.0f}</td><td>{m['turn_ms_p50']:.0f}</td><td>{m['turn_ms_p95']:.0f}</td></tr>"
        )
    body = [
        f"<h1>Scenario evals — {_e(run.variant)}</h1>",
        f'<p class="muted">{run.trials} trial(s) per scenario, {run.workers} worker(s), {run.seconds:.1f} s, '
        f"started {_e(run.started_at)}. pass^k = mean over scenarios of C(c,k)/C(n,k).</p>",
        svg_chart(run.suites, k),
        f"<table><tr><th>suite</th><th>scenarios</th><th>pass^1</th><th>pass^{k}</th><th>tool calls/trial</th>"
        f"<th>tokens/trial</th><th>turn ms p50</th><th>turn ms p95</th></tr>{''.join(rows)}</table>",
    ]
    for s in run.suites:
        body.append(f"<h2>{_e(s.name)}</h2>")
        for sr in s.scenarios:
            ok = sr.c == sr.n
            badge = f'<span class="{"pass" if ok else "fail"}">{sr.c}/{sr.n}</span>'
            body.append(
                f"<details{'' if ok else ' open'}><summary>{badge} <b>{_e(sr.scenario.id)}</b> — "
                f'{_e(sr.scenario.title)} <span class="muted">({_e(sr.scenario.user)}, '
                f"{_e(sr.scenario.today)})</span></summary>"
            )
            body += [_trial_html(t) for t in sr.trials]
            body.append("</details>")
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Portal Agent evals</title>'
        f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>"
    )


def write_reports(run: EvalRun, directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {"json": directory / "report.json", "md": directory / "report.md", "html": directory / "report.html"}
    paths["json"].write_text(json.dumps(run_dict(run), indent=1, default=str), encoding="utf-8")
    paths["md"].write_text(markdown(run), encoding="utf-8")
    paths["html"].write_text(html_report(run), encoding="utf-8")
    return paths
