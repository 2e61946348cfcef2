"""The held-out figures of the understanding model, as Markdown: accuracy and confusion matrices."""

from __future__ import annotations

from collections import Counter

from agent.planner.train import Scores, class_counts, held_out_scores


def _matrix(title: str, scores: Scores) -> list[str]:
    table = scores.confusion()
    labels = [
        label
        for label in scores.labels
        if sum(table.get(label, {}).values()) or any(row.get(label) for row in table.values())
    ]
    short = [str(i + 1) for i in range(len(labels))]
    lines = [
        f"### {title} confusion (rows: expected, columns: predicted, numbered as the rows)",
        "",
        "| expected | " + " | ".join(short) + " | n | acc |",
        "|---" * (len(labels) + 3) + "|",
    ]
    for label in labels:
        row = table.get(label, Counter())
        n = sum(row.values())
        acc = row.get(label, 0) / n if n else 0.0
        cells = " | ".join(str(row[c]) if row.get(c) else "" for c in labels)
        lines.append(f"| {labels.index(label) + 1}. {label} | {cells} | {n} | {acc:.2f} |")
    return lines + [""]


def held_out_report() -> tuple[str, float, float]:
    act, intent, held = held_out_scores()
    counts = class_counts()
    smallest = min(tr + ho for tr, ho in counts["act"].values()), min(tr + ho for tr, ho in counts["intent"].values())
    lines = [
        "## Understanding: held-out split",
        "",
        f"{len(held)} held-out utterances (never used for training or tuning) of "
        f"{sum(tr + ho for tr, ho in counts['act'].values())}; smallest class: {smallest[0]} (act), "
        f"{smallest[1]} (intent).",
        "",
        f"- dialogue-act accuracy: **{act.accuracy:.3f}** (all {len(act.expected)})",
        f"- intent accuracy: **{intent.accuracy:.3f}** (the {len(intent.expected)} whose act carries a topic: "
        "questions, requests, hand-offs; the other acts take their skill from the conversation)",
        "",
    ]
    lines += _matrix("Dialogue act", act) + _matrix("Intent", intent)
    return "\n".join(lines), act.accuracy, intent.accuracy
