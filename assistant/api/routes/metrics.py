"""``GET /metrics``: the last reindex and usage per application, for Prometheus."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from assistant.api.deps import Parts
from assistant.metrics import render
from assistant.runtime import client_address
from assistant.security import check_metrics_reader
from connectors.errors import BoussoleError

router = APIRouter(tags=["exploitation"])


@router.get(
    "/metrics",
    summary="Dernière réindexation et usage par application, au format Prometheus",
    description="Pour cette machine ou le groupe « metrics » ; un refus compte dans la limite "
    "de débit de l'appelant, une collecte autorisée non.",
    response_class=PlainTextResponse,
)
def metrics(request: Request, parts: Parts) -> str:
    """For this machine or the ``metrics`` group; refusals count against the rate, scrapes not."""
    reader = parts.reader(request)  # a bad credential is refused, even from here
    request.state.reader = reader
    try:
        check_metrics_reader(reader, client_address(request), parts.settings)
    except BoussoleError:
        parts.admit(reader, request)
        raise
    return render(parts.settings.data_dir / "state", parts.chunks()) + parts.usage.render()
