"""Each billing entity's mapping: a preset chosen by setting, overridden by the customer's
own TOML file, validated when it is loaded.

The file (``Q2C_ACCOUNTING_MAPPING_FILE``) names entities by their ``Q2C_BILLING_ENTITY``;
each starts from a preset and changes only what it names::

    [entities.default]
    organisation = "au"          # the preset; default Q2C_ACCOUNTING_ORGANISATION
    currencies = ["AUD", "USD"]  # what we bill in
    no_tax = "BASEXCLUDED"

    [entities.default.accounts]  # our roles -> the organisation's account codes
    bank = "091"
    revenue = "4000"

    [entities.default.tax_types]  # our tax categories -> the organisation's tax types
    standard = { tax_type = "OUTPUT", rate = "10" }
    exempt = "INPUTTAXED"         # a tax type alone keeps the preset's expected rate

    [entities.default.bank_accounts]  # a bank account per currency, else ``bank``
    EUR = "092"

A bad file raises ``MappingError`` with one line per problem, every problem at once.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from quote2cash.billing.accounts import Accounts
from quote2cash.chart.presets import (
    PRESETS,
    TAX_CATEGORIES,
    EntityMapping,
    Organisation,
    TaxCode,
)
from quote2cash.settings import Settings

# The file's role names; ``bank`` is the account ``Accounts`` calls ``cash``.
ROLES = {
    "receivable": "receivable",
    "revenue": "revenue",
    "tax_payable": "tax_payable",
    "bank": "cash",
    "customer_credit": "customer_credit",
    "deferred_revenue": "deferred_revenue",
    "bad_debts": "bad_debts",
    "processor_fees": "processor_fees",
    "fx_gain_loss": "fx_gain_loss",
}
_ENTITY_KEYS = ("organisation", "currencies", "no_tax", "accounts", "tax_types", "bank_accounts")
MAX_CODE = 10  # Xero's limit on an account code


class MappingError(ValueError):
    """The mapping file cannot be used; ``problems`` has one line per problem."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"{source}: {p}" for p in problems))


def load_mapping(path: Path | None, organisation: Organisation, entity: str) -> EntityMapping:
    """``entity``'s mapping: the file's entry over its preset, or ``organisation``'s preset."""
    if path is None:
        return PRESETS[organisation]
    entities = read_mapping_file(path, organisation)
    return entities.get(entity, PRESETS[organisation])


def read_mapping_file(path: Path, organisation: Organisation) -> dict[str, EntityMapping]:
    """Every entity of the file, each validated; ``MappingError`` lists what is wrong."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(str(path), [f"cannot read the file: {exc.strerror}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(str(path), [f"not valid TOML: {exc}"]) from None
    problems = [f"unknown key {key!r} (expected 'entities')" for key in raw if key != "entities"]
    entities = raw.get("entities", {})
    if not isinstance(entities, dict):
        raise MappingError(str(path), [*problems, "'entities' must be a table"])
    found: dict[str, EntityMapping] = {}
    for name, entry in entities.items():
        mapping = _entity(f"entities.{name}", entry, organisation, problems)
        if mapping is not None:
            found[name] = mapping
    if problems:
        raise MappingError(str(path), problems)
    return found


def _entity(
    where: str, entry: Any, default: Organisation, problems: list[str]
) -> EntityMapping | None:
    if not isinstance(entry, dict):
        problems.append(f"{where} must be a table")
        return None
    before = len(problems)
    problems += [
        f"{where}.{key}: unknown key (expected one of {', '.join(_ENTITY_KEYS)})"
        for key in entry
        if key not in _ENTITY_KEYS
    ]
    organisation = entry.get("organisation", default)
    if organisation not in PRESETS:
        problems.append(f"{where}.organisation: {organisation!r} is not one of uk, au, us")
        return None
    preset = PRESETS[organisation]
    accounts = _accounts(where, entry.get("accounts", {}), preset.accounts, problems)
    tax_types = _tax_types(where, entry.get("tax_types", {}), preset.tax_types, problems)
    currencies = _currencies(where, entry.get("currencies", list(preset.currencies)), problems)
    banks = _bank_accounts(where, entry.get("bank_accounts", {}), problems)
    no_tax = _text(f"{where}.no_tax", entry.get("no_tax", preset.no_tax), problems)
    if len(problems) > before:
        return None
    return preset.model_copy(
        update={
            "accounts": accounts,
            "tax_types": tax_types,
            "currencies": tuple(currencies),
            "bank_accounts": banks,
            "no_tax": no_tax,
        }
    )


def _accounts(where: str, table: Any, preset: Accounts, problems: list[str]) -> Accounts:
    if not isinstance(table, dict):
        problems.append(f"{where}.accounts must be a table of role = code")
        return preset
    changes: dict[str, str] = {}
    for role, code in table.items():
        if role not in ROLES:
            problems.append(
                f"{where}.accounts.{role}: unknown role (expected one of {', '.join(ROLES)})"
            )
            continue
        changes[ROLES[role]] = _code(f"{where}.accounts.{role}", code, problems)
    return preset.model_copy(update=changes)


def _code(where: str, code: Any, problems: list[str]) -> str:
    text = _text(where, code, problems)
    if len(text) > MAX_CODE:
        problems.append(f"{where}: account code {text!r} is longer than {MAX_CODE} characters")
    return text


def _text(where: str, value: Any, problems: list[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: must be a non-empty string, got {value!r}")
        return ""
    return value.strip()


def _tax_types(
    where: str, table: Any, preset: dict[Any, TaxCode], problems: list[str]
) -> dict[Any, TaxCode]:
    if not isinstance(table, dict):
        problems.append(f"{where}.tax_types must be a table of category = tax type")
        return preset
    found = dict(preset)
    for category, value in table.items():
        here = f"{where}.tax_types.{category}"
        if category not in TAX_CATEGORIES:
            problems.append(
                f"{here}: unknown category (expected one of {', '.join(TAX_CATEGORIES)})"
            )
            continue
        found[category] = _tax_code(here, value, preset.get(category), problems)
    return found


def _tax_code(where: str, value: Any, preset: TaxCode | None, problems: list[str]) -> TaxCode:
    if isinstance(value, str):
        return TaxCode(tax_type=_text(where, value, problems), rate=preset.rate if preset else None)
    if not isinstance(value, dict) or set(value) - {"tax_type", "rate"}:
        problems.append(f"{where}: expected a tax type, or {{ tax_type = ..., rate = ... }}")
        return preset or TaxCode(tax_type="")
    tax_type = _text(f"{where}.tax_type", value.get("tax_type"), problems)
    rate = value.get("rate")
    if rate is None:
        return TaxCode(tax_type=tax_type)
    try:
        number = Decimal(str(rate))
    except InvalidOperation:
        number = Decimal(-1)
    if not number.is_finite() or number < 0 or isinstance(rate, bool):
        problems.append(f'{where}.rate: {rate!r} is not a percentage (e.g. "10")')
        return TaxCode(tax_type=tax_type)
    return TaxCode(tax_type=tax_type, rate=number)


def _currencies(where: str, value: Any, problems: list[str]) -> list[str]:
    if not isinstance(value, list) or not value:
        problems.append(f"{where}.currencies: must be a list of currency codes")
        return []
    bad = [c for c in value if not (isinstance(c, str) and len(c) == 3 and c.isupper())]
    if bad:
        problems.append(f"{where}.currencies: not ISO 4217 codes: {', '.join(map(repr, bad))}")
    return [c for c in value if c not in bad]


def _bank_accounts(where: str, table: Any, problems: list[str]) -> dict[str, str]:
    if not isinstance(table, dict):
        problems.append(f"{where}.bank_accounts must be a table of currency = code")
        return {}
    return {
        currency: _code(f"{where}.bank_accounts.{currency}", code, problems)
        for currency, code in table.items()
    }


@lru_cache(maxsize=16)
def _cached(path: Path | None, organisation: Organisation, entity: str) -> EntityMapping:
    return load_mapping(path, organisation, entity)


def mapping_for(settings: Settings) -> EntityMapping:
    """The mapping of the settings' billing entity, read once per process."""
    return _cached(
        settings.accounting_mapping_file, settings.accounting_organisation, settings.billing_entity
    )
