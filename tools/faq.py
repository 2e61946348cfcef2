"""Knowledge base search: how the portal works, with citations."""

from __future__ import annotations

from tools.base import READ, ctx_of, portal_tool, run_tool, to_json
from tools.context import Runtime


@portal_tool(READ)
def search_knowledge(query: str, runtime: Runtime) -> str:
    """Search the portal's help articles. Answer only from the passages, citing [n]."""
    ctx = ctx_of(runtime)

    def do() -> str:
        if ctx.knowledge is None:
            return to_json({"passages": [], "note": "The knowledge base is not available."})
        passages = ctx.knowledge.search(query, k=4)
        for p in passages:
            ctx.turn.cite(p)
        return to_json(
            {
                "passages": [
                    {
                        "n": i + 1,
                        "title": p.title,
                        "source": p.source,
                        "heading": p.heading,
                        "text": p.text,
                        "score": round(float(p.score), 3),
                    }
                    for i, p in enumerate(passages)
                ]
            }
        )

    return run_tool(runtime, "search_knowledge", {"query": query}, do)
