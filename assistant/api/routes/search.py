"""``POST /search``: ranked passages with what a citation needs."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import Address, Caller, Parts, documents_of
from assistant.api.schemas import HitOut, SearchRequest, SearchResponse

router = APIRouter(tags=["recherche"])


@router.post(
    "/search",
    response_model=SearchResponse,
    summary="Chercher des passages",
    description="Les passages les plus proches de la requête (hybride par défaut), avec ce "
    "qu'une citation demande : chemin à afficher, page, intertitre, extrait.",
)
def search(
    request: SearchRequest, parts: Parts, reader: Caller, address: Address
) -> SearchResponse:
    """Plain ``def``: embedding and scoring run in the server's thread pool."""
    result = parts.search_service(reader).search(
        request.query, k=request.k, mode=request.mode, filters=request.filters.search_filters()
    )
    parts.audit(reader, "/search", request.query, documents_of(result.hits), address=address)
    return SearchResponse(
        query=result.query,
        mode=result.mode,
        took_ms=result.took_ms,
        hits=[HitOut(**hit.__dict__, snippet=hit.snippet()) for hit in result.hits],
    )
