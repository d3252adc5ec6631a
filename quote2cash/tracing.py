"""OpenTelemetry, off unless configured: ``Q2C_OTEL_EXPORTER=console|otlp``.

One trace follows a deal: the API's webhook span is propagated into the workflow start
by Temporal's ``TracingInterceptor``, the workflow and its activities continue it, and
each vendor HTTP call made by an activity is a child span (``http_hooks``).
"""

from __future__ import annotations

from typing import Any

import httpx
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from temporalio.contrib.opentelemetry import TracingInterceptor

from quote2cash.settings import Settings

_configured = False


def setup_tracing(settings: Settings, service: str) -> list[TracingInterceptor]:
    """Install the tracer provider once per process; return the Temporal interceptors."""
    global _configured
    if settings.otel_exporter == "none":
        return []
    if not _configured:
        exporter: SpanExporter
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        if settings.otel_exporter == "console":
            exporter = ConsoleSpanExporter()
            provider.add_span_processor(SimpleSpanProcessor(exporter))
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter(endpoint=settings.otel_endpoint)
            provider.add_span_processor(BatchSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        _configured = True
    return [TracingInterceptor()]


def http_hooks(settings: Settings) -> dict[str, list[Any]]:
    """httpx event hooks that wrap each vendor request in a client span."""
    if settings.otel_exporter == "none":
        return {}
    tracer = trace.get_tracer("quote2cash.http")

    async def on_request(request: httpx.Request) -> None:
        span = tracer.start_span(
            f"{request.method} {request.url.host}{request.url.path}",
            kind=trace.SpanKind.CLIENT,
            attributes={"http.method": request.method, "url.path": request.url.path},
        )
        request.extensions["q2c_span"] = span

    async def on_response(response: httpx.Response) -> None:
        span = response.request.extensions.pop("q2c_span", None)
        if span is not None:
            span.set_attribute("http.status_code", response.status_code)
            span.end()

    return {"request": [on_request], "response": [on_response]}
