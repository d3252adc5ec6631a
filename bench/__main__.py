"""``make bench``: billing core, end to end with the floor, ingress; table, JSON, PNG, README.

    uv run --frozen python -m bench [--deals 200] [--ingress-seconds 20] [--no-pg] ...

Servers and load stay on 127.0.0.1; every run ends by itself (timeouts bound each
phase). PostgreSQL is optional: without it the ingress row for it says why.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

import psycopg

from bench import bench_billing
from bench.e2e import bench_settings, run_e2e
from bench.ingress import drop_schema, fresh_schema, ingress_settings, run_ingress
from bench.plot import plot
from bench.report import Results, append_readme, environment, markdown, now, rows, save

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_SCHEMA = "q2c_bench"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--deals", type=int, default=200)
    parser.add_argument("--ingress-seconds", type=float, default=20.0)
    parser.add_argument("--pg-url", default=os.environ.get("Q2C_BENCH_PG_URL", PG_URL))
    parser.add_argument("--no-pg", action="store_true", help="skip ingress on PostgreSQL")
    parser.add_argument(
        "--temporal-fsync",
        action="store_true",
        help="keep the dev server's SQLite defaults (a disk sync per transaction)",
    )
    parser.add_argument("--port-base", type=int, default=7700, help="ports port-base..+12")
    parser.add_argument("--var-dir", type=Path, default=Path("bench/.var"))
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--readme", type=Path, default=Path("bench/README.md"))
    parser.add_argument("--no-readme", action="store_true", help="do not append the results")
    parser.add_argument("--billing-lines", type=int, default=bench_billing.LINES)
    parser.add_argument("--billing-runs", type=int, default=bench_billing.RUNS)
    return parser.parse_args(argv)


async def _ingress(args: argparse.Namespace, results: Results) -> None:
    sqlite = ingress_settings(args.var_dir / "ingress-sqlite", args.port_base + 10)
    results.ingress.append(await run_ingress(sqlite, args.ingress_seconds, "SQLite"))
    if args.no_pg:
        return
    try:
        url = await asyncio.to_thread(fresh_schema, args.pg_url, PG_SCHEMA)
    except psycopg.Error as exc:
        results.notes.append(f"PostgreSQL ingress skipped: {args.pg_url} unreachable ({exc}).")
        return
    try:
        pg = ingress_settings(args.var_dir / "ingress-pg", args.port_base + 11, url)
        results.ingress.append(await run_ingress(pg, args.ingress_seconds, "PostgreSQL"))
    finally:
        await asyncio.to_thread(drop_schema, args.pg_url, PG_SCHEMA)


async def run(args: argparse.Namespace) -> Results:
    results = Results(started=now(), deals=args.deals, environment=environment())
    # First, while nothing else of ours runs: the billing core is CPU-bound.
    results.billing = bench_billing.run(args.billing_lines, args.billing_runs)
    stack = bench_settings(args.var_dir / "stack", args.port_base)
    results.e2e = await run_e2e(stack, args.deals, fsync=args.temporal_fsync)
    sqlite = "default pragmas" if args.temporal_fsync else "journal_mode=wal, synchronous=normal"
    results.notes.append(f"Temporal dev server SQLite: {sqlite}.")
    await _ingress(args, results)
    results.notes.append(
        "Everything shares the machine's cores: the Temporal dev server, emulators, API, "
        "worker and the load generator, and any other process running at the time."
    )
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = asyncio.run(run(args))
    stamp = results.started.strftime("%Y%m%dT%H%M%SZ")
    picture = plot(results.e2e, args.out / f"bench-{stamp}.png") if results.e2e else None
    saved = save(results, args.out, picture)
    width = max(len(r[0]) for r in rows(results))
    for what, value, target in rows(results):
        print(f"{what:<{width}}  {value:>22}  {target}")
    print(f"results: {saved}" + (f", plot: {picture}" if picture else ""))
    if not args.no_readme:
        append_readme(args.readme, markdown(results, picture))
        print(f"appended to {args.readme}")
    complete = results.e2e is not None and results.e2e.deals.completed == args.deals
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
