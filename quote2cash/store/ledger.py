"""Our ledger mirror: balanced journal entries, each posted exactly once per entry key.

Invariant 3 is enforced here, at the last line of defence: an entry whose debits and
credits differ is refused (``UnbalancedEntry``), whatever computed it. Posting a key
again is a no-op when the lines are the same (an activity retry) and a
``LedgerConflict`` when they differ (two computations disagree: stop and look).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from quote2cash.store._sql import insert_or_ignore, row_values
from quote2cash.store.columns import exact_amount, utcnow
from quote2cash.store.errors import InvalidAmount, LedgerConflict, UnbalancedEntry
from quote2cash.store.models import LedgerEntry, LedgerLine

_ENTRIES: sa.Table = LedgerEntry.__table__  # type: ignore[attr-defined]
_CURRENCY = re.compile(r"^[A-Z]{3}$")
ZERO = Decimal(0)


@dataclass(frozen=True)
class LedgerLineIn:
    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    memo: str = ""


@dataclass(frozen=True)
class PostedEntry:
    entry_key: str
    deal_id: str
    currency: str
    entry_date: date
    description: str
    source: str
    posted_at: datetime
    lines: tuple[LedgerLineIn, ...]


def _checked_lines(lines: Sequence[LedgerLineIn]) -> list[LedgerLineIn]:
    if not lines:
        raise UnbalancedEntry("a journal entry needs lines")
    checked = []
    for n, line in enumerate(lines, start=1):
        debit, credit = exact_amount(line.debit), exact_amount(line.credit)
        if debit < 0 or credit < 0:
            raise InvalidAmount(f"line {n} ({line.account}): amounts must not be negative")
        if debit and credit:
            raise InvalidAmount(f"line {n} ({line.account}): a line is a debit or a credit")
        checked.append(LedgerLineIn(line.account, debit, credit, line.memo))
    debits = sum((x.debit for x in checked), ZERO)
    credits = sum((x.credit for x in checked), ZERO)
    if debits != credits:
        raise UnbalancedEntry(
            f"debits {debits} ≠ credits {credits} (difference {debits - credits})"
        )
    if debits == 0:
        raise UnbalancedEntry("a journal entry must move an amount: all lines are zero")
    return checked


def _fingerprint(currency: str, lines: Sequence[LedgerLineIn]) -> str:
    """What makes two postings of one key the same: currency, accounts and amounts."""
    digest = hashlib.sha256(currency.encode())
    for x in lines:
        digest.update(f"|{x.account}|{x.debit}|{x.credit}".encode())
    return digest.hexdigest()


class LedgerRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def post(
        self,
        entry_key: str,
        *,
        deal_id: str,
        currency: str,
        entry_date: date,
        description: str,
        source: str,
        lines: Sequence[LedgerLineIn],
    ) -> bool:
        """Post a balanced entry once; True when this call posted it."""
        if not _CURRENCY.match(currency):
            raise InvalidAmount(f"currency must be an ISO 4217 code like 'EUR', got {currency!r}")
        checked = _checked_lines(lines)
        entry = LedgerEntry(
            entry_key=entry_key,
            deal_id=deal_id,
            currency=currency,
            entry_date=entry_date,
            description=description,
            source=source,
            fingerprint=_fingerprint(currency, checked),
            posted_at=utcnow(),
        )
        if not insert_or_ignore(self._s, _ENTRIES, row_values(entry, exclude={"id"})):
            self._same_as_posted(entry)
            return False
        entry_id = self._entry_by_key(entry_key).id
        assert entry_id is not None
        for n, x in enumerate(checked, start=1):
            self._s.add(LedgerLine(entry_id=entry_id, line_no=n, **x.__dict__))
        self._s.flush()
        return True

    def entries(self, deal_id: str | None = None) -> list[PostedEntry]:
        """Posted entries (of one deal, or all), in posting order."""
        stmt = select(LedgerEntry)
        if deal_id is not None:
            stmt = stmt.where(LedgerEntry.deal_id == deal_id)
        heads = list(self._s.exec(stmt.order_by(col(LedgerEntry.id))).all())
        lines: dict[int, list[LedgerLineIn]] = defaultdict(list)
        if heads:
            ids = [h.id for h in heads]
            rows = self._s.exec(
                select(LedgerLine)
                .where(col(LedgerLine.entry_id).in_(ids))
                .order_by(col(LedgerLine.entry_id), col(LedgerLine.line_no))
            ).all()
            for r in rows:
                lines[r.entry_id].append(LedgerLineIn(r.account, r.debit, r.credit, r.memo))
        return [
            PostedEntry(
                h.entry_key,
                h.deal_id,
                h.currency,
                h.entry_date,
                h.description,
                h.source,
                h.posted_at,
                tuple(lines[h.id or 0]),
            )
            for h in heads
        ]

    def trial_balance(self) -> dict[str, dict[str, Decimal]]:
        """Per currency, per account: Σ debits - Σ credits.

        Summed in Python, not SQL: SQLite keeps money as text and would add floats."""
        stmt = select(
            col(LedgerEntry.currency),
            col(LedgerLine.account),
            col(LedgerLine.debit),
            col(LedgerLine.credit),
        )
        stmt = stmt.join(LedgerLine, col(LedgerLine.entry_id) == col(LedgerEntry.id))
        balance: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for currency, account, debit, credit in self._s.exec(stmt).all():
            balance[currency][account] += debit - credit
        return {cur: dict(accounts) for cur, accounts in balance.items()}

    def is_balanced(self) -> bool:
        return all(sum(a.values(), ZERO) == 0 for a in self.trial_balance().values())

    def count(self) -> int:
        return int(self._s.exec(select(sa.func.count()).select_from(LedgerEntry)).one())

    def _entry_by_key(self, entry_key: str) -> LedgerEntry:
        return self._s.exec(select(LedgerEntry).where(LedgerEntry.entry_key == entry_key)).one()

    def _same_as_posted(self, entry: LedgerEntry) -> None:
        posted = self._entry_by_key(entry.entry_key)
        if posted.fingerprint != entry.fingerprint:
            raise LedgerConflict(
                f"entry {entry.entry_key!r} was posted before with other lines or currency"
            )
