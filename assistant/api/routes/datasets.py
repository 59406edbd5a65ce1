"""``GET /datasets``: catalogue records for a described need."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from assistant.api.deps import Address, Caller, Parts
from assistant.api.schemas import DatasetsResponse
from assistant.datasets import DatasetSearch, parse_bbox
from assistant.settings import SearchMode

router = APIRouter(tags=["catalogue"])


@router.get(
    "/datasets",
    response_model=DatasetsResponse,
    summary="Chercher des jeux de données",
    description="Des fiches du catalogue pour un besoin décrit en mots de tous les jours, avec "
    "leurs liens, les conventions qui les couvrent, et les filtres thème, emprise et date.",
)
def datasets(
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=2000,
            description="Le besoin décrit",
            examples=["limites des communes de la Province Sud"],
        ),
    ],
    k: Annotated[int, Query(ge=1, le=50)] = 10,
    theme: Annotated[
        str | None, Query(max_length=200, description="Thème", examples=["environnement"])
    ] = None,
    bbox: Annotated[
        str | None,
        Query(
            max_length=100,
            description="ouest,sud,est,nord en degrés",
            examples=["163.5,-23,168.2,-19.5"],
        ),
    ] = None,
    updated_after: Annotated[date | None, Query(description="AAAA-MM-JJ")] = None,
    mode: SearchMode | None = None,
    *,
    parts: Parts,
    reader: Caller,
    address: Address,
) -> DatasetsResponse:
    """Plain ``def``: the search, the register and the catalogue links run in the thread pool."""
    search = parts.search_service(reader)
    finder = DatasetSearch(search, links=parts.links(search))
    cards = finder.search(
        q,
        k=k,
        theme=theme,
        bbox=parse_bbox(bbox) if bbox else None,
        updated_after=updated_after,
        mode=mode,
    )
    parts.audit(reader, "/datasets", q, [card.source_path for card in cards], address=address)
    return DatasetsResponse(query=q, cards=cards)
