"""What every connector yields: documents split into cited sections, or skipped files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Section:
    """A run of text that shares one citation target: a page and a heading."""

    text: str
    heading: str | None = None
    page: int | None = None


@dataclass(frozen=True)
class SourceDocument:
    """One document read from a source, before any guardrail or indexing."""

    doc_id: str
    source_path: str
    kind: str
    title: str
    sections: tuple[Section, ...]
    content_hash: str
    modified: datetime
    file_type: str
    access_groups: tuple[str, ...] = field(default_factory=tuple)
    # Extra payload fields a source knows (a catalogue record's organisations, themes,
    # extent, links): stored with every chunk, shown on result cards, used by filters.
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def text_length(self) -> int:
        """Characters of text over all sections."""
        return sum(len(section.text) for section in self.sections)


@dataclass(frozen=True)
class SkippedDocument:
    """A document the connector could not read, with a reason a person can act on."""

    source_path: str
    reason: str


@dataclass(frozen=True)
class UnchangedFile:
    """A file the index already holds as it is: not parsed again."""

    source_path: str


class Connector(Protocol):
    """A source of documents."""

    def scan(self) -> Iterator[SourceDocument | SkippedDocument]:
        """Yield every document of the source, or the reason it was skipped."""
        ...
