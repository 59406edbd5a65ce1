"""Dataset search for data stewards: a described need in, catalogue record cards out."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from assistant.links import CatalogueLinks, ConventionLink
from assistant.search import Hit, SearchService, group_hits
from assistant.settings import SearchMode
from connectors.errors import InvalidQueryError
from connectors.text import fold
from indexing.store import SearchFilters


@dataclass(frozen=True)
class DatasetCard:
    """What a steward needs to judge a record: what, who, where, when, how to get it."""

    rank: int
    score: float
    record_id: str
    title: str
    snippet: str
    organisations: list[str]
    themes: list[str]
    bbox: list[float] | None
    updated: str | None
    temporal: tuple[str | None, str | None] | None
    licence: str | None
    links: list[dict[str, Any]]
    record_url: str | None  # the record in its catalogue, when known
    source_path: str  # the file or harvest path it was indexed from
    standard: str
    conventions: list[ConventionLink] = field(default_factory=list)  # that share it

    @classmethod
    def from_hit(cls, rank: int, hit: Hit) -> DatasetCard:
        """A card from the best passage of a record."""
        payload = hit.payload
        abstract = str(payload.get("abstract") or "")
        snippet = " ".join(abstract.split())
        if len(snippet) > 280:
            snippet = snippet[:279].rstrip() + "…"
        start, end = payload.get("temporal_start"), payload.get("temporal_end")
        return cls(
            rank=rank,
            score=hit.score,
            record_id=str(payload.get("record_id") or payload.get("doc_id") or ""),
            title=hit.title,
            snippet=snippet or hit.snippet(280),
            organisations=list(payload.get("organisations") or []),
            themes=list(payload.get("themes") or []),
            bbox=payload.get("bbox"),
            updated=payload.get("updated"),
            temporal=(start, end) if start or end else None,
            licence=payload.get("licence"),
            links=list(payload.get("links") or []),
            record_url=payload.get("record_url"),
            source_path=hit.source_path,
            standard=str(payload.get("standard") or hit.payload.get("file_type") or ""),
        )


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """An extent written "W,S,E,N" in degrees (WGS 84), checked."""
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError as error:
        raise InvalidQueryError(
            f"Emprise « {text} » invalide : attendu ouest,sud,est,nord en degrés, "
            "par exemple 165.5,-22.8,167.2,-21.5."
        ) from error
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise InvalidQueryError(
            f"Emprise « {text} » hors limites : longitudes entre -180 et 180, latitudes entre "
            "-90 et 90, sud inférieur à nord."
        )
    return west, south, east, north


class DatasetSearch:
    """Search catalogue records only, one card per record."""

    def __init__(self, search: SearchService, links: CatalogueLinks | None = None) -> None:
        self.search_service = search
        self.links = links

    def search(
        self,
        description: str,
        *,
        k: int = 10,
        theme: str | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        updated_after: date | None = None,
        mode: SearchMode | None = None,
        today: date | None = None,
    ) -> list[DatasetCard]:
        """The ``k`` records that best match a described need, filters applied.

        With links, each card lists the conventions that share the record, their status
        taken on ``today``.
        """
        filters = SearchFilters(
            kinds=("catalogue",),
            facet=" ".join(fold(theme).split()) if theme else None,
            bbox=bbox,
            updated_after=updated_after,
        )
        limit = min(self.search_service.settings.max_k, max(k * 4, k))
        result = self.search_service.search(description, k=limit, mode=mode, filters=filters)
        groups = group_hits(
            result.hits,
            lambda hit: str(hit.payload.get("doc_id") or hit.source_path),
            self.search_service.settings.doc_evidence,
        )
        cards = [DatasetCard.from_hit(rank, hits[0]) for rank, hits in enumerate(groups[:k], 1)]
        if self.links is None:
            return cards
        day = today or date.today()
        return [
            replace(card, conventions=self.links.conventions_for(card.record_id, card.title, day))
            for card in cards
        ]
