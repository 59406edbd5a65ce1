"""Usage per application, for ``GET /metrics``: requests, latency and errors per API key.

Each application calls with its own API key; its name is the ``application`` label. People
signed in (chat session, trusted proxy) count together as ``utilisateurs``, callers with no
identity as ``anonyme``: one label per key, never one per person. Routes are the API's own
(``/search``, ``/ask``…), never a raw path.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guardrails.access import Reader

ROUTES = (
    "/search",
    "/ask",
    "/datasets",
    "/conventions/search",
    "/conventions",
    "/documents",
    "/health",
    "/metrics",
)
KEY_PREFIX = "cle:"


def application_of(reader: Reader | None) -> str:
    """The ``application`` label a caller counts under."""
    if reader is None or reader.name == Reader.anonymous().name:
        return "anonyme"
    if reader.name.startswith(KEY_PREFIX):
        return reader.name[len(KEY_PREFIX) :]
    return "utilisateurs"


def route_of(path: str) -> str | None:
    """The API route a path belongs to; None for the chat and anything else."""
    for route in ROUTES:
        if path == route or path.startswith(route + "/"):
            return route
    return None


class UsageMetrics:
    """Prometheus counters and a latency histogram, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "boussole_api_requests",
            "API requests per application, route and status code.",
            ["application", "route", "status"],
            registry=self.registry,
        )
        self.errors = Counter(
            "boussole_api_errors",
            "API requests answered with an error (4xx or 5xx) per application and route.",
            ["application", "route"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "boussole_api_request_duration_seconds",
            "Time to answer an API request (whole response, streams included).",
            ["application", "route"],
            buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )

    def observe(self, application: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        self.requests.labels(application, route, str(status)).inc()
        if status >= 400:
            self.errors.labels(application, route).inc()
        self.latency.labels(application, route).observe(seconds)

    def render(self) -> str:
        """The metrics in the Prometheus text format."""
        return generate_latest(self.registry).decode("utf-8")


class UsageMiddleware:
    """Time every API request and count it under its caller's application (pure ASGI)."""

    def __init__(self, app: ASGIApp, metrics: UsageMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, then record its status and duration."""
        route = route_of(scope.get("path", "")) if scope["type"] == "http" else None
        if route is None:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            reader = (scope.get("state") or {}).get("reader")
            self.metrics.observe(
                application_of(reader), route, status, time.perf_counter() - started
            )
