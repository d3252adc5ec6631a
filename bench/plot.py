"""One PNG per run: webhook → invoice latency distribution, and throughput over the run."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from bench.e2e import E2EResult, Run


def _per_second(run: Run) -> tuple[list[float], list[int]]:
    """Completions in each whole second since the run began."""
    if not run.completions:
        return [], []
    seconds = int(run.completions[-1] - run.began) + 1
    counts = [0] * seconds
    for t in run.completions:
        counts[min(seconds - 1, max(0, int(t - run.began)))] += 1
    return [float(s) for s in range(seconds)], counts


def plot(e2e: E2EResult, path: Path) -> Path:
    fig, (latency, throughput) = plt.subplots(1, 2, figsize=(12, 4.5))
    for run, label in ((e2e.deals, "burst"), (e2e.paced, f"paced {e2e.paced_rate:.1f}/s")):
        if run.latencies_s:
            ms = sorted(x * 1000 for x in run.latencies_s)
            share = [(i + 1) / len(ms) for i in range(len(ms))]
            latency.step(ms, share, where="post", label=label)
    latency.set_xscale("log")
    latency.axvline(1000, color="grey", linestyle=":", label="1 s")
    latency.set_title("closed-won → invoice in Xero (cumulative)")
    latency.set_xlabel("ms (log scale)")
    latency.set_ylabel("share of deals")
    latency.legend()
    for run in (e2e.deals, e2e.floor, e2e.paced):
        x, y = _per_second(run)
        throughput.step(x, y, where="post", label=f"{run.name} ({run.per_second:.1f}/s)")
    throughput.set_title("workflows completed per second")
    throughput.set_xlabel("seconds since the run began")
    throughput.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
