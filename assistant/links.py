"""Links between conventions and catalogue records.

A register row names the datasets an agreement shares ("Limites des communes", or a record
identifier). When the catalogue holds a record with that identifier or title, the
convention links to the record, and the record's dataset card lists the convention. Links
are made when asked, from the register and the index as they are now: re-indexing either
side needs nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from assistant.search import SearchService
from connectors.conventions.register import Convention
from connectors.text import fold
from indexing.store import SearchFilters

CATALOGUE = "catalogue"
CONVENTION = "convention"


def visible_conventions(
    search: SearchService, conventions: Iterable[Convention], unindexed_groups: Sequence[str]
) -> list[Convention]:
    """The register rows the search's reader may see.

    A row whose document is indexed is visible to whoever may see that document; a row
    with no indexed document, to readers of ``unindexed_groups`` (the groups conventions
    get by default).
    """
    conventions = list(conventions)
    reader = search.reader
    if reader.allowed() is None:
        return conventions

    def ids(payloads: Iterable[dict[str, Any]]) -> set[str]:
        return {str((p.get(CONVENTION) or {}).get("id") or "") for p in payloads} - {""}

    kind = SearchFilters(kinds=(CONVENTION,))
    seen = ids(search.payloads([CONVENTION], kind))
    indexed = ids(search.store.payloads([CONVENTION], kind))  # to tell "hidden" from "absent"
    unindexed_visible = reader.can_see(unindexed_groups)
    return [
        convention
        for convention in conventions
        if convention.id in seen or (convention.id not in indexed and unindexed_visible)
    ]


@dataclass(frozen=True)
class RecordLink:
    """A catalogue record a convention shares."""

    dataset: str  # the name as the register writes it
    record_id: str
    title: str
    record_url: str | None
    source_path: str


@dataclass(frozen=True)
class ConventionLink:
    """A convention that shares a catalogue record."""

    id: str
    title: str
    status: str
    end: str | None
    file: str | None


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text))


def names_record(name: str, record_id: str, title: str) -> bool:
    """Whether a register's dataset name designates a record.

    The same identifier, the same title (case and accents aside), or a phrase of at least
    two words found whole in the title ("communes de la province" in "Limites des communes
    de la province Sud"); a single word is too loose to link on.
    """
    wanted = _words(name)
    if not wanted:
        return False
    if fold(name.strip()) == fold(record_id.strip()):
        return True
    have = _words(title)
    if wanted == have:
        return True
    if len(wanted) < 2:
        return False
    size = len(wanted)
    return any(have[i : i + size] == wanted for i in range(len(have) - size + 1))


class CatalogueLinks:
    """Match register datasets to the catalogue records in the index."""

    def __init__(self, records: Iterable[dict[str, Any]], conventions: Iterable[Convention]):
        seen: dict[str, dict[str, Any]] = {}
        for payload in records:
            record_id = str(payload.get("record_id") or payload.get("doc_id") or "")
            if record_id and record_id not in seen:
                seen[record_id] = payload
        self.records = list(seen.values())
        self.conventions = list(conventions)

    @classmethod
    def for_reader(
        cls,
        search: SearchService,
        conventions: Iterable[Convention],
        unindexed_groups: Sequence[str],
    ) -> CatalogueLinks:
        """Records and conventions as the index holds them now, as the reader may see them.

        One read of the records' id, title and links; the conventions are the register
        rows ``visible_conventions`` lets through.
        """
        fields = ["record_id", "doc_id", "title", "record_url", "source_path"]
        return cls(
            search.payloads(fields, SearchFilters(kinds=(CATALOGUE,))),
            visible_conventions(search, conventions, unindexed_groups),
        )

    def records_for(self, datasets: Iterable[str]) -> list[RecordLink]:
        """The catalogue records a convention's datasets name, in the register's order."""
        links: list[RecordLink] = []
        for dataset in datasets:
            for payload in self.records:
                record_id = str(payload.get("record_id") or payload.get("doc_id") or "")
                title = str(payload.get("title") or "")
                if names_record(dataset, record_id, title):
                    links.append(
                        RecordLink(
                            dataset=dataset,
                            record_id=record_id,
                            title=title,
                            record_url=payload.get("record_url"),
                            source_path=str(payload.get("source_path") or ""),
                        )
                    )
        return links

    def conventions_for(self, record_id: str, title: str, today: date) -> list[ConventionLink]:
        """The conventions that share a record, soonest end first."""
        found = [
            convention
            for convention in self.conventions
            if any(names_record(dataset, record_id, title) for dataset in convention.datasets)
        ]
        found.sort(key=lambda c: (c.effective_end is None, c.effective_end or date.max))
        return [
            ConventionLink(
                id=convention.id,
                title=convention.title,
                status=convention.status_on(today),
                end=convention.effective_end.isoformat() if convention.effective_end else None,
                file=convention.file,
            )
            for convention in found
        ]
