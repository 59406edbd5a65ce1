"""Dataset search for data stewards: a described need in, catalogue record cards out."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from assistant.links import CatalogueLinks, ConventionLink, RecordLink
from assistant.search import Hit, SearchService, group_hits
from assistant.settings import SearchMode
from connectors.errors import InvalidQueryError
from connectors.text import fold
from indexing.store import SearchFilters

WAREHOUSE = "warehouse"  # the kind of a data warehouse table's document


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
    kind: str = "catalogue"  # or "warehouse": a table of the data warehouse
    # A warehouse table: schema, name, type, description, key columns, owner, steward,
    # source application, refresh frequency, sensitivity, row estimate, last analyse.
    table: dict[str, Any] | None = None
    records: list[RecordLink] = field(default_factory=list)  # a table's catalogue records
    display_path: str = ""  # ``source_path`` as people see it, names in it replaced

    def __post_init__(self) -> None:
        if not self.display_path:
            object.__setattr__(self, "display_path", self.source_path)

    @classmethod
    def from_hit(cls, rank: int, hit: Hit) -> DatasetCard:
        """A card from the best passage of a record or a warehouse table."""
        payload = hit.payload
        if payload.get("kind") == WAREHOUSE:
            return cls._from_table(rank, hit)
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
            display_path=hit.display_path,
            standard=str(payload.get("standard") or hit.payload.get("file_type") or ""),
        )

    @classmethod
    def _from_table(cls, rank: int, hit: Hit) -> DatasetCard:
        table = dict(hit.payload.get("table") or {})
        freshness = dict(hit.payload.get("freshness") or {})
        keys = set(table.get("primary_key") or []) | {
            column for fk in table.get("foreign_keys") or [] for column in fk["columns"]
        }
        card = {
            "schema": table.get("schema"),
            "name": table.get("name"),
            "type": table.get("type"),
            "description": table.get("description"),
            "key_columns": [c["name"] for c in table.get("columns") or [] if c["name"] in keys],
            "columns": len(table.get("columns") or []),
            "owner": table.get("owner"),
            "steward": table.get("steward"),
            "source_application": table.get("source_application"),
            "frequency": table.get("frequency"),
            "sensitive": bool(table.get("sensitive")),
            "catalogue_record": table.get("catalogue_record"),
            "rows_estimate": freshness.get("rows_estimate"),
            "analysed": freshness.get("analysed"),
        }
        return cls(
            rank=rank,
            score=hit.score,
            record_id=f"{table.get('schema')}.{table.get('name')}",
            title=hit.title,
            snippet=str(table.get("description") or hit.snippet(280)),
            organisations=[table["owner"]] if table.get("owner") else [],
            themes=[],
            bbox=None,
            updated=str(freshness.get("analysed") or "")[:10] or None,
            temporal=None,
            licence=None,
            links=[],
            record_url=None,
            source_path=hit.source_path,
            display_path=hit.display_path,
            standard="entrepôt PostgreSQL",
            kind=WAREHOUSE,
            table=card,
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
    """Search catalogue records and warehouse tables, one card per record or table."""

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
            kinds=("catalogue", WAREHOUSE),
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
        return [self._linked(card, self.links, day) for card in cards]

    @staticmethod
    def _linked(card: DatasetCard, links: CatalogueLinks, day: date) -> DatasetCard:
        """A card with its conventions (and, for a table, its catalogue records)."""
        conventions = links.conventions_for(card.record_id, card.title, day)
        if card.table is None:
            return replace(card, conventions=conventions)
        named = card.table.get("catalogue_record")
        records = links.records_for([named]) if named else []
        for record in records:  # the conventions that share the table's record govern it
            conventions += links.conventions_for(record.record_id, record.title, day)
        unique = list({convention.id: convention for convention in conventions}.values())
        return replace(card, conventions=unique, records=records)
