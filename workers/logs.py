"""Worker logs carry ids and error types, never a vendor's message.

A vendor's validation message names the customer ("The contact name Contoso GmbH is
already assigned to another contact"): Temporal holds it encrypted (the payload codec),
but the SDK logs every failed activity attempt with its traceback in plain text. This
filter, on the SDK's activity loggers, drops the traceback and the message and keeps the
error's type, its cause's type and the activity's ids (which the SDK appends).
"""

from __future__ import annotations

import logging
import re

from temporalio.exceptions import ApplicationError

ACTIVITY_LOGGERS = ("temporalio.activity", "temporalio.worker._activity")
# SDK messages that quote the error itself; what follows the prefix up to the activity's
# details (a dict the SDK's adapter appends) is withheld.
_QUOTING = re.compile(
    r"^(?P<head>Exception handling failed, original error: |"
    r"Completing as failure during heartbeat with error of type [^:]*: )"
    r"(?P<quoted>.*?)(?P<details> \(\{'activity_id'.*\}\))?$",
    re.DOTALL,
)


def error_type(error: BaseException) -> str:
    """``Xero.ValidationFailed``, or the class name; with the cause's, if any."""
    name = error.type if isinstance(error, ApplicationError) and error.type else None
    described = name or type(error).__name__
    cause = error.__cause__ or error.__context__
    return f"{described} (caused by {type(cause).__name__})" if cause else described


class WithholdMessages(logging.Filter):
    """Rewrites a record in place: its text keeps the SDK's words and the activity's ids,
    its traceback becomes the error's type."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        quoted = _QUOTING.match(text)
        if quoted:
            text = f"{quoted['head']}(message withheld){quoted['details'] or ''}"
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            text = f"{text}: {error_type(error)} (message withheld: see the workflow's history)"
        record.msg, record.args = text, None
        record.exc_info, record.exc_text = None, None
        return True


def withhold_activity_messages() -> None:
    """Install the filter once on the SDK's activity loggers (idempotent)."""
    for name in ACTIVITY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, WithholdMessages) for f in logger.filters):
            logger.addFilter(WithholdMessages())
