"""Knowledge-base articles as small HTML pages, so the widget's citations are real links.

A deliberately tiny markdown subset (the one the knowledge docs use): headings, paragraphs,
ordered and unordered lists, **bold**, *italic* and `code`. Everything is escaped first.
"""

from __future__ import annotations

import html
import re

from knowledge.documents import DOCS_DIR, parse_front_matter

SLUG = re.compile(r"^[a-z0-9][a-z0-9\-]{0,80}$")
_INLINE = [
    (re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"\*(.+?)\*"), r"<em>\1</em>"),
    (re.compile(r"`(.+?)`"), r"<code>\1</code>"),
]


def anchor(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


def _inline(text: str) -> str:
    text = html.escape(text)
    for pattern, repl in _INLINE:
        text = pattern.sub(repl, text)
    return text


def render_markdown(body: str) -> str:
    out: list[str] = []
    para: list[str] = []
    list_tag = ""

    def flush() -> None:
        nonlocal list_tag
        if para:
            out.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()
        if list_tag:
            out.append(f"</{list_tag}>")
            list_tag = ""

    for line in body.splitlines():
        stripped = line.strip()
        heading = re.match(r"^(#{1,4})\s+(.*)$", stripped)
        item = re.match(r"^(\d+\.|[-*])\s+(.*)$", stripped)
        if not stripped:
            flush()
        elif heading:
            flush()
            level = min(len(heading.group(1)) + 1, 4)  # the page title is the h1
            out.append(f'<h{level} id="{anchor(heading.group(2))}">{_inline(heading.group(2))}</h{level}>')
        elif item:
            tag = "ol" if item.group(1)[0].isdigit() else "ul"
            if para:
                out.append(f"<p>{_inline(' '.join(para))}</p>")
                para.clear()
            if list_tag != tag:
                if list_tag:
                    out.append(f"</{list_tag}>")
                out.append(f"<{tag}>")
                list_tag = tag
            out.append(f"<li>{_inline(item.group(2))}</li>")
        else:
            para.append(stripped)
    flush()
    return "\n".join(out)


def article(slug: str) -> tuple[str, str] | None:
    """(title, html body) of `knowledge/docs/<slug>.md`, or None."""
    if not SLUG.match(slug):
        return None
    path = DOCS_DIR / f"{slug}.md"
    if not path.is_file():
        return None
    meta, body = parse_front_matter(path.read_text(encoding="utf-8"))
    title = str(meta.get("title") or slug)
    body = re.sub(r"^#\s+.*\n", "", body, count=1)  # the title is rendered once, from the front matter
    return title, f"<h1>{html.escape(title)}</h1>\n{render_markdown(body)}"
