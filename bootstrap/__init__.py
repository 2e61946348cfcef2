"""The composition root: settings, database and migrations, the container, the runner and the knowledge index,
built from settings. Below the channels (`service/`) and the evaluations (`evals/`), which both import it."""
