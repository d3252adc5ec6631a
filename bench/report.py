"""The bench's results: one table, printed, saved as JSON and appended to bench/README.md."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.e2e import E2EResult, Run, median, percentile
from bench.ingress import IngressResult

Row = tuple[str, str, str]


@dataclass
class Results:
    started: datetime
    deals: int
    environment: dict[str, str]
    billing: dict[str, float] = field(default_factory=dict)
    e2e: E2EResult | None = None
    ingress: list[IngressResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _memory_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def _temporal_cli() -> str:
    from quote2cash.devstack.stack import temporal_binary

    try:
        out = subprocess.run(
            [temporal_binary(), "--version"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip().removeprefix("temporal version ") or "unknown"


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip() or "unknown"


def environment() -> dict[str, str]:
    return {
        "cores": str(os.cpu_count()),
        "memory": f"{_memory_gb():.1f} GB",
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "temporalio": version("temporalio"),
        "temporal server (CLI dev server)": _temporal_cli(),
        "fastapi": version("fastapi"),
        "sqlalchemy": version("sqlalchemy"),
        "commit": _git_commit(),
    }


def _latency_rows(run: Run, label: str) -> list[Row]:
    ms = [f"{percentile(run.latencies_s, q) * 1000:.0f}" for q in (50, 95, 99)]
    return [(f"webhook → invoice, {label} (p50 / p95 / p99)", f"{' / '.join(ms)} ms", "")]


def e2e_rows(e2e: E2EResult) -> list[Row]:
    rows: list[Row] = [
        ("deals completed / closed", f"{e2e.deals.completed} / {e2e.deals.count}", ""),
        ("deals per second (burst)", f"{e2e.deals.per_second:.2f}", ""),
        ("floor workflows per second", f"{e2e.floor.per_second:.2f}", ""),
        ("ratio deals/s ÷ floor/s", f"{e2e.ratio:.2f}", "≥ 0.8 now, ≥ 1.0 aim"),
    ]
    rows += _latency_rows(e2e.deals, "burst")
    rows += _latency_rows(e2e.paced, f"paced at {e2e.paced_rate:.2f}/s")
    rows[-1] = (*rows[-1][:2], "p99 ≤ 1000 ms at half the max throughput")
    for kind, counts in e2e.history_events.items():
        spread = f"{min(counts)} to {max(counts)}" if counts else "-"
        target = "≤ 50" if kind == "DealWorkflow" else ""
        rows.append(
            (f"history events, {kind} (median, range)", f"{median(counts)} ({spread})", target)
        )
    for run in (e2e.deals, e2e.floor):
        if run.cpu_s:
            spent = sorted(run.cpu_s.items(), key=lambda kv: -kv[1])
            per = ", ".join(f"{n} {1000 * s / max(1, run.completed):.0f}" for n, s in spent if s)
            rows.append((f"CPU ms per {run.name} workflow, by process", per, ""))
    rows += [
        ("worker peak RSS", f"{e2e.worker_peak_rss_mb:.0f} MB", ""),
        ("floor worker peak RSS", f"{e2e.floor_worker_peak_rss_mb:.0f} MB", ""),
        ("Temporal dev server peak RSS", f"{e2e.temporal_peak_rss_mb:.0f} MB", ""),
        ("deals needing attention", str(e2e.needs_attention), "0"),
    ]
    return rows


def ingress_rows(result: IngressResult) -> list[Row]:
    p99 = percentile(result.latencies_s, 99) * 1000
    stored = "all stored" if result.stored >= result.accepted else f"ONLY {result.stored} stored"
    return [
        (
            f"ingress, {result.database}: accepted/s ({result.connections} connections)",
            f"{result.per_second:.0f}",
            "≥ 500",
        ),
        (f"ingress, {result.database}: p99", f"{p99:.0f} ms", ""),
        (
            f"ingress, {result.database}: accepted, refused, in inbox",
            f"{result.accepted}, {result.refused}, {result.stored} ({stored})",
            "",
        ),
    ]


def billing_rows(billing: dict[str, float]) -> list[Row]:
    if not billing:
        return []
    return [
        (
            "10,000-line invoice, per-line rounding (best / median)",
            f"{billing['build_per_line_best_ms']:.1f} / "
            f"{billing['build_per_line_median_ms']:.1f} ms",
            "< 50 ms",
        ),
        (
            "10,000-line invoice, per-line rounding, CPU time (best)",
            f"{billing['build_per_line_best_cpu_ms']:.1f} ms",
            "< 50 ms",
        ),
        (
            "10,000-line invoice, per-invoice rounding (median)",
            f"{billing['build_per_invoice_median_ms']:.1f} ms",
            "",
        ),
        (
            "balanced journal entry of that invoice (median)",
            f"{billing['invoice_entry_median_ms']:.1f} ms",
            "",
        ),
    ]


def rows(results: Results) -> list[Row]:
    found = billing_rows(results.billing)
    if results.e2e is not None:
        found = e2e_rows(results.e2e) + found
    for ingress in results.ingress:
        found += ingress_rows(ingress)
    return found


def markdown(results: Results, plot: Path | None) -> str:
    when = results.started.strftime("%Y-%m-%d %H:%M UTC")
    env = ", ".join(f"{k} {v}" for k, v in results.environment.items())
    lines = [f"### Run {when}, {results.deals} deals", "", env, "", "| what | measured | target |"]
    lines.append("|---|---|---|")
    lines += [f"| {what} | {value} | {target} |" for what, value, target in rows(results)]
    if plot is not None:
        lines += ["", f"Plot: `{plot.as_posix()}`"]
    lines += ["", *[f"- {note}" for note in results.notes], ""]
    return "\n".join(lines)


def as_json(results: Results) -> dict[str, Any]:
    data: dict[str, Any] = {
        "started": results.started.isoformat(),
        "deals": results.deals,
        "environment": results.environment,
        "billing": results.billing,
        "table": [list(r) for r in rows(results)],
        "notes": results.notes,
    }
    if results.e2e is not None:
        data["ratio"] = results.e2e.ratio
    return data


def save(results: Results, out_dir: Path, plot: Path | None) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = results.started.strftime("%Y%m%dT%H%M%SZ")
    path = out_dir / f"bench-{stamp}.json"
    path.write_text(json.dumps(as_json(results), indent=2, ensure_ascii=False) + "\n")
    return path


def append_readme(readme: Path, text: str) -> None:
    """Runs go under one "Runs" heading at the end of the README, newest last."""
    existing = readme.read_text() if readme.exists() else "# Benchmarks\n"
    if "\n## Runs\n" not in existing:
        existing = existing.rstrip("\n") + "\n\n## Runs\n\nAppended by `make bench`.\n"
    readme.write_text(existing.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n")


def now() -> datetime:
    return datetime.now(UTC)
