"""Insights for operators (issue 17): what the assistant's turns, ratings and proposals add up to over a window.

- `window`: the period asked for (`7d`, `12h`, an ISO date), as [since, until) in UTC;
- `query`: the rows of that window, read from `turns`, `feedback` and `pending_actions`;
- `figures` and `resolution`: each figure computed from those rows (pure functions);
- `gaps`: the questions the knowledge base could not answer, grouped by meaning;
- `report`: all of it together;
- `charts`, `sections` and `page`: the HTML page with inline SVG bars (no script, no external asset);
- `export`: the JSON of `/v1/insights` and `--json`, and the gaps as CSV.
"""
