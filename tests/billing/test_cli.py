from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quote2cash.cli import app

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KILL_BILL = ["--period", "2023-05-23..2023-06-23", "--span", "2023-05-23..2023-06-15"]


def _prorate(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["prorate", "--amount", "19.95", "--currency", "USD", *args])
    return result.exit_code, result.stdout, result.stderr


def test_prorate_prints_amount_and_explanation() -> None:
    # Kill Bill's actual-days figure (see test_anchors.py for the source).
    code, out, _ = _prorate(*KILL_BILL, "--basis", "actual_days", "--rounding", "half_up")
    assert code == 0
    assert out.splitlines() == [
        "14.80 USD",
        "23 of 31 days (actual days) of 19.95 USD = 14.80 USD, factor 0.741935484, "
        "half-up to 2 places",
    ]


def test_prorate_json_has_amount_factor_explanation() -> None:
    code, out, _ = _prorate(*KILL_BILL, "--basis", "fixed_30", "--json")
    assert code == 0
    payload = json.loads(out)
    assert (payload["amount"], payload["factor"]) == ("14.63", "0.733333333")
    assert payload["explanation"].startswith("22 of 30 days (30-day months)")


def test_prorate_seconds_accepts_offsets() -> None:
    # Polar's seat upgrade (test_anchors.py): 34.00 USD, 16 of 31 days to the second.
    result = runner.invoke(
        app,
        [
            "prorate",
            "--amount",
            "34.00",
            "--currency",
            "USD",
            "--period",
            "2025-01-01T12:00:00+00:00..2025-02-01T12:00:00+00:00",
            "--span",
            "2025-01-16T12:00:00Z..2025-02-01T12:00:00Z",
            "--basis",
            "seconds",
            "--rounding",
            "down",
            "--factor-precision",
            "none",
        ],
    )
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "17.54 USD"


def test_prorate_inclusive_days_counts_both_ends() -> None:
    # Lago's 14 of 31 days (test_anchors.py).
    result = runner.invoke(
        app,
        [
            "prorate",
            "--amount",
            "100",
            "--currency",
            "EUR",
            "--period",
            "2024-01-01..2024-01-31",
            "--span",
            "2024-01-01..2024-01-14",
            "--basis",
            "inclusive_days",
        ],
    )
    assert result.stdout.splitlines()[0] == "45.16 EUR"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--amount", "19.9.5"], "is not a decimal number"),
        (["--amount", "nan"], "is not a finite number"),
        (["--currency", "XYZ"], "not an ISO 4217 code"),
        (["--span", "2023-05-01..2023-06-15"], "outside the period"),
        (["--span", "2023-06-15..2023-05-23"], "ends before it starts"),
        (["--basis", "weekly"], "basis 'weekly' is not one of"),
        (["--rounding", "up"], "rounding 'up' is not one of"),
        (["--span", "2023-05-23T10:00:00+00:00..2023-06-15"], "use --basis seconds"),
        (["--basis", "seconds", "--span", "2023-05-23T10:00:00..2023-06-15"], "no UTC offset"),
        (["--period", "2023-05-23"], "is not a range"),
        (["--factor-precision", "-1"], "factor precision"),
    ],
)
def test_prorate_bad_input_is_one_line_exit_2(args: list[str], message: str) -> None:
    options = dict(zip(KILL_BILL[::2], KILL_BILL[1::2], strict=True))
    result = runner.invoke(
        app, ["prorate", "--amount", "19.95", "--currency", "USD", *_merge(options, args)]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def _merge(defaults: dict[str, str], args: list[str]) -> list[str]:
    merged = dict(defaults)
    extra: list[str] = []
    for key, value in zip(args[::2], args[1::2], strict=True):
        if key in merged:
            merged[key] = value
        else:
            extra += [key, value]
    return [*(item for pair in merged.items() for item in pair), *extra]


def test_preview_prints_explained_invoice() -> None:
    result = runner.invoke(app, ["preview", str(EXAMPLES / "quote-eu-reverse-charge.json")])
    assert result.exit_code == 0, result.stderr
    assert "Total    303.77 EUR" in result.stdout
    assert "17 of 31 days (actual days) of 99.75 EUR = 54.70 EUR" in result.stdout
    assert "Reverse charge" in result.stdout


def test_preview_json_output() -> None:
    result = runner.invoke(
        app, ["preview", str(EXAMPLES / "quote-eu-reverse-charge.json"), "--json"]
    )
    payload = json.loads(result.stdout)
    assert payload["invoice"]["total"] == "303.77"


def test_preview_amendment_prints_delta() -> None:
    result = runner.invoke(app, ["preview", str(EXAMPLES / "amendment-seats.json")])
    assert result.exit_code == 0, result.stderr
    assert "changed Pro plan (L1): quantity 5 -> 8" in result.stdout
    assert "Unused time on Pro plan" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON at line 1"),
        ('{"kind": "receipt"}', '"kind" must be'),
        ('{"kind": "invoice", "issue_date": "2024-01-01"}', "snapshot: Field required"),
    ],
)
def test_preview_bad_file_is_one_line_exit_2(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "doc.json"
    path.write_text(content)
    result = runner.invoke(app, ["preview", str(path)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_preview_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["preview", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr
