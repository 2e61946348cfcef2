"""Domain latency at scale (not a test): the plain demo database vs `db init --demo --scale N`.

    .venv/bin/python -m bench.bench_domain [--scale 10000] [--samples 200] [--no-write]

Both databases are made by the real CLI in temporary data directories (the seeding time is a figure
too). Then, in process, the same guarded operations for Alice on each: list invoices, get an invoice,
and a propose + execute pair (update_po_number on INV-1001, repeatable). Indexes should make these
independent of the number of accounts: the ratio scale / plain of the medians should stay near 1.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bench.common import (
    ALICE,
    ROOT,
    Row,
    append_section,
    env_for,
    limit_row,
    median,
    ms,
    parse_bench_args,
    pct,
    settings_for,
)
from billing.operations.registry import command

if TYPE_CHECKING:  # pragma: no cover
    from bootstrap.container import Container

INDEPENDENT = 1.5  # scale/plain median ratio still called "independent of size" on a noisy shared machine


def init_db(data_dir: Path, scale: int) -> float:
    """`portal-agent db init --demo [--scale N]`; returns the wall time in seconds."""
    settings = settings_for(data_dir, f"sqlite:///{data_dir / 'portal.db'}")
    args = [str(ROOT / ".venv" / "bin" / "portal-agent"), "db", "init", "--demo"] + (
        ["--scale", str(scale)] if scale else []
    )
    start = time.perf_counter()
    subprocess.run(args, env=env_for(settings), cwd=ROOT, check=True, capture_output=True, timeout=900)
    return time.perf_counter() - start


def operations(data_dir: Path) -> tuple[Container, dict[str, Callable[[int], object]]]:
    from billing.principal import Principal
    from bootstrap.container import build_container

    container = build_container(settings_for(data_dir, f"sqlite:///{data_dir / 'portal.db'}"), migrate=False)
    billing, alice = container.billing, Principal(ALICE, "web")

    def pair(i: int) -> None:
        action = billing.propose(
            alice,
            "conv_bench_domain",
            command("update_po_number", {"invoice_id": "INV-1001", "po_number": f"PO-BENCH-{i}"}),
        )
        if billing.execute(alice, action.id, "conv_bench_domain").status.value != "executed":
            raise RuntimeError("execute failed")

    return container, {
        "list invoices": lambda i: billing.list_invoices(alice),
        "get invoice": lambda i: billing.get_invoice(alice, "INV-1001"),
        "propose + execute": pair,
    }


def interleave(
    a: Callable[[int], object], b: Callable[[int], object], n: int, warmup: int = 10
) -> tuple[list[float], list[float]]:
    out: tuple[list[float], list[float]] = ([], [])
    for i in range(warmup + n):
        for fn, times in ((a, out[0]), (b, out[1])):
            start = time.perf_counter()
            fn(i)
            if i >= warmup:
                times.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parse_bench_args(parser)
    with tempfile.TemporaryDirectory(prefix="bench-domain-") as tmp:
        plain_dir, scale_dir = Path(tmp) / "plain", Path(tmp) / "scale"
        plain_s = init_db(plain_dir, 0)
        scale_s = init_db(scale_dir, args.scale)
        (plain_c, plain_ops), (scale_c, scale_ops) = operations(plain_dir), operations(scale_dir)
        results: dict[str, dict[str, list[float]]] = {"plain": {}, "scale": {}}
        for name in plain_ops:  # interleaved, so drift in the machine's load hits both alike
            both = interleave(plain_ops[name], scale_ops[name], args.samples)
            results["plain"][name], results["scale"][name] = both
        plain_c.engine.dispose()
        scale_c.engine.dispose()
        size = (scale_dir / "portal.db").stat().st_size / 1e6
    rows = [
        Row(f"`db init --demo --scale {args.scale}` wall time", f"{scale_s:.1f} s"),
        Row(
            "seeding rate",
            f"{args.scale / max(scale_s - plain_s, 1e-9):.0f} accounts/s "
            f"({args.scale * 28} rows; database {size:.0f} MB)",
        ),
        Row("`db init --demo` wall time (plain)", f"{plain_s:.1f} s"),
    ]
    for name in results["plain"]:
        p, s = results["plain"][name], results["scale"][name]
        rows.append(Row(f"{name}: plain median / p95 (n={len(p)})", f"{ms(median(p))} / {ms(pct(p, 95))}"))
        rows.append(Row(f"{name}: scale {args.scale} median / p95", f"{ms(median(s))} / {ms(pct(s, 95))}"))
        rows.append(
            limit_row(f"{name}: scale / plain (medians)", median(s) / median(p), INDEPENDENT, "×", fmt="{:.2f}")
        )
    notes = [
        f"SQLite; Alice's operations in-process through BillingService (one unit of work each); scale adds "
        f"{args.scale} accounts × (3 users, 3 contracts, 9 contract contacts, 12 invoices)",
        f"limit {INDEPENDENT}×: 'independent of size' allowing for the noise of a shared machine",
    ]
    append_section("Domain latency at scale", "python -m bench.bench_domain " + " ".join(sys.argv[1:]), rows, notes)


if __name__ == "__main__":
    main()
