"""Sending an Update to a workflow and answering its refusal as an API error.

ApiError
 └── Refused  409  the workflow's validator refused the action, with its reason
"""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from pydantic import BaseModel
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from quote2cash.api.deps import AppState
from quote2cash.api.errors import ApiError, NotFound, TemporalUnavailable

RPC_TIMEOUT = timedelta(seconds=10)
T = TypeVar("T")


class Refused(ApiError):
    status_code = 409


async def run_update(
    state: AppState, workflow_id: str, name: str, arg: BaseModel, result_type: type[T]
) -> T:
    client = await state.gateway.client()
    handle = client.get_workflow_handle(workflow_id)
    try:
        answer: T = await handle.execute_update(
            name, arg, result_type=result_type, rpc_timeout=RPC_TIMEOUT
        )
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError):
            raise Refused(f"{cause.type}: {cause.message}") from None
        raise Refused(str(cause or exc)) from None
    except RPCError as exc:
        raise _rpc_error(exc, workflow_id) from exc
    return answer


async def run_query(state: AppState, workflow_id: str, name: str, result_type: type[T]) -> T:
    client = await state.gateway.client()
    try:
        answer: T = await client.get_workflow_handle(workflow_id).query(
            name, result_type=result_type, rpc_timeout=RPC_TIMEOUT
        )
    except RPCError as exc:
        raise _rpc_error(exc, workflow_id) from exc
    return answer


def _rpc_error(exc: RPCError, workflow_id: str) -> ApiError:
    if exc.status == RPCStatusCode.NOT_FOUND:
        return NotFound(f"no running workflow {workflow_id}")
    return TemporalUnavailable(f"Temporal could not reach {workflow_id}: {exc}")
