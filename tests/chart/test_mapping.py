"""The mapping file: presets by setting, the file's overrides, one line per problem."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from quote2cash.api.app import create_app
from quote2cash.billing.accounts import Accounts
from quote2cash.chart.mapping import MappingError, load_mapping, mapping_for
from quote2cash.chart.presets import AU, PRESETS, UK, TaxCode
from quote2cash.settings import Settings


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_uk_preset_is_the_chart_snapshots_defaulted_to() -> None:
    # Recorded histories carry no accounts: they replay on Accounts(), the UK preset.
    assert UK.accounts == Accounts()
    assert mapping_for(Settings()) == UK


def test_the_setting_selects_a_preset() -> None:
    settings = Settings(accounting_organisation="au")
    assert mapping_for(settings) is AU
    assert AU.tax_types["standard"] == TaxCode(tax_type="OUTPUT", rate=Decimal(10))


def test_a_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        """
[entities.default]
organisation = "au"
currencies = ["AUD", "NZD"]

[entities.default.accounts]
bank = "091"
revenue = "4000"

[entities.default.tax_types]
standard = { tax_type = "GST10", rate = "10" }
exempt = "EXEMPTOUTPUT"

[entities.default.bank_accounts]
NZD = "092"

[entities.emea]
organisation = "uk"
""",
    )
    mapping = load_mapping(path, "uk", "default")
    assert mapping.organisation == "au"
    assert (mapping.accounts.cash, mapping.accounts.revenue) == ("091", "4000")
    assert mapping.accounts.receivable == AU.accounts.receivable
    assert mapping.tax_types["standard"] == TaxCode(tax_type="GST10", rate=Decimal(10))
    # A tax type alone keeps the rate the preset expects of that category.
    assert mapping.tax_types["exempt"] == TaxCode(tax_type="EXEMPTOUTPUT", rate=Decimal(0))
    assert mapping.currencies == ("AUD", "NZD")
    assert mapping.bank_for("NZD") == "092"
    assert mapping.bank_for("AUD") == "091"
    assert load_mapping(path, "au", "emea") == UK
    # An entity the file does not name keeps the setting's preset.
    assert load_mapping(path, "us", "apac") == PRESETS["us"]


def test_a_bad_file_says_every_problem_on_its_own_line(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        """
colour = "blue"

[entities.default]
organisation = "au"
currencies = ["AUD", "dollars"]
ledger = "x"

[entities.default.accounts]
bank = "12345678901"
revenu = "200"
receivable = 610

[entities.default.tax_types]
standard = { tax_type = "OUTPUT", rate = "ten" }
luxury = "LUX"

[entities.nz]
organisation = "nz"
""",
    )
    with pytest.raises(MappingError) as raised:
        load_mapping(path, "uk", "default")

    where = f"{path}: "
    assert str(raised.value).splitlines() == [
        where + line
        for line in [
            "unknown key 'colour' (expected 'entities')",
            "entities.default.ledger: unknown key (expected one of organisation, currencies, "
            "no_tax, accounts, tax_types, bank_accounts)",
            "entities.default.accounts.bank: account code '12345678901' is longer than 10 "
            "characters",
            "entities.default.accounts.revenu: unknown role (expected one of receivable, "
            "revenue, tax_payable, bank, customer_credit, deferred_revenue, bad_debts, "
            "processor_fees, fx_gain_loss)",
            "entities.default.accounts.receivable: must be a non-empty string, got 610",
            "entities.default.tax_types.standard.rate: 'ten' is not a percentage (e.g. \"10\")",
            "entities.default.tax_types.luxury: unknown category (expected one of standard, "
            "reduced, reverse_charge, exempt, zero, out_of_scope)",
            "entities.default.currencies: not ISO 4217 codes: 'dollars'",
            "entities.nz.organisation: 'nz' is not one of uk, au, us",
        ]
    ]


def test_a_file_that_is_not_toml_or_not_there(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match=r"not valid TOML: .*line 1"):
        load_mapping(_file(tmp_path, "[entities.default\n"), "uk", "default")
    with pytest.raises(MappingError, match="cannot read the file"):
        load_mapping(tmp_path / "absent.toml", "uk", "default")


def test_the_api_refuses_to_start_on_a_bad_file(tmp_path: Path) -> None:
    bad = _file(tmp_path, "[entities.default.accounts]\nbank = ''\n")
    with pytest.raises(MappingError, match=r"entities.default.accounts.bank: must be a non-empty"):
        create_app(Settings(accounting_mapping_file=bad))
