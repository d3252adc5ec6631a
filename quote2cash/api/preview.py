"""``POST /preview``: the invoice a deal would produce, from the workflow's own code path.

Pure computation (the billing core), so it needs no token and touches no state: the
same document gives the same answer as ``q2c preview <file>``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from quote2cash.api.errors import WrongShape
from quote2cash.billing.errors import DocumentError
from quote2cash.billing.preview import PreviewResult, load_document, preview_document

router = APIRouter(tags=["billing"])


@router.post("/preview", response_model=PreviewResult)
async def preview(request: Request) -> PreviewResult:
    """Price a preview document (see docs/preview-format.md); 422 says what is wrong."""
    body = (await request.body()).decode("utf-8", errors="replace")
    try:
        return preview_document(load_document(body))
    except DocumentError as exc:
        raise WrongShape(str(exc)) from None
