"""What every route is given: the runtime, the caller (known and counted), their address.

The API key schemes are declared here for the OpenAPI document (Swagger's « Authorize »);
``Runtime.reader`` reads the credentials themselves, one way for the API and the chat.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPBearer

from assistant.runtime import Runtime, client_address
from assistant.search import Hit
from assistant.security import API_KEY_HEADER
from guardrails.access import Reader

API_KEY = APIKeyHeader(
    name=API_KEY_HEADER,
    scheme_name="cle_api",
    description="Clé d'API (« boussole keys add NOM --groups … ») dans l'en-tête X-API-Key.",
    auto_error=False,
)
BEARER = HTTPBearer(
    scheme_name="bearer",
    description="La même clé d'API, en « Authorization: Bearer CLÉ ».",
    auto_error=False,
)


# The dependencies are ``async``: cheap and non-blocking, they run on the event loop instead
# of taking a thread-pool hop each before the route's own (plain ``def``) work.


async def runtime(request: Request) -> Runtime:
    """The parts ``create_app`` built (``app.state.runtime``)."""
    built: Runtime = request.app.state.runtime
    return built


Parts = Annotated[Runtime, Depends(runtime)]


async def caller(
    request: Request,
    parts: Parts,
    _key: Annotated[str | None, Security(API_KEY)] = None,
    _bearer: Annotated[object, Security(BEARER)] = None,
) -> Reader:
    """Who calls (``Runtime.reader``), counted against their rate: every route's first step."""
    reader = parts.reader(request)
    request.state.reader = reader  # for the usage metrics (per application)
    parts.admit(reader, request)
    return reader


async def address(request: Request) -> str:
    """The caller's address (``client_address``)."""
    return client_address(request)


Caller = Annotated[Reader, Depends(caller)]
Address = Annotated[str, Depends(address)]


def documents_of(hits: Iterable[Hit]) -> list[str]:
    """The ids of the documents behind some hits, for the audit log."""
    return [str(hit.payload.get("doc_id") or hit.source_path) for hit in hits]
