"""`portal-agent planner ...`: the offline planner's understanding model."""

from __future__ import annotations

import typer

planner_app = typer.Typer(no_args_is_help=True)


@planner_app.command("train")
def train() -> None:
    """Retrain the dialogue-act and intent classifiers on the corpus (agent/planner/corpus) and save them."""
    from agent.planner.train import train as fit

    typer.echo("Training on the corpus's training split (the held-out split is only scored)…", err=True)
    stats = fit()
    typer.echo(
        f"{stats['utterances']} utterances: {stats['training']} training, {stats['held_out']} held out; "
        f"held-out act accuracy {stats['held_out_act_accuracy']:.3f}, "
        f"intent accuracy {stats['held_out_intent_accuracy']:.3f}"
    )
