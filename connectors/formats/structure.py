"""Structure shared by the formats: a parsed file, and headings found in plain text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from connectors.base import Section


class UnreadableFile(Exception):
    """A file's bytes cannot be turned into text; the message says why, in French."""


@dataclass(frozen=True)
class ParsedFile:
    """The text of one file, split into sections, and its title when the file names one."""

    title: str | None
    sections: list[Section]


# "Article 5", "Article premier", "Art. 12 bis", "CHAPITRE II", "Section 3", "TITRE IV",
# "Fiche n°7" — the units that regulations and guides are cited by.
_UNIT_HEADING = re.compile(
    r"^\s*(?:(?:article|art\.)\s+(?:premier|1er|\d+[\w-]*|[ivxlc]+)"
    r"|(?:chapitre|titre|section|annexe)\s+(?:[ivxlc]+|\d+|premier|unique)"
    r"|fiche\s+n\s*°\s*\d+)\b.{0,120}$",
    re.IGNORECASE,
)
# "4. Traitement des données", "3.2 Durée", "IV. Résiliation": numbered headings of PDF
# conventions and guides. A short line, a capital after the number, no final punctuation
# (which would make it a numbered list item).
_NUMBERED_HEADING = re.compile(
    r"^\s*(?:\d{1,2}\.(?:\d{1,2}\.?){0,3}|[IVX]{1,5}\.)\s+[A-ZÀ-Ý][^\n]{2,90}(?<![.;,:])$"
)
_WHITESPACE_RUN = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def tidy(text: str) -> str:
    """Collapse runs of spaces and blank lines; strip each line."""
    lines = (_WHITESPACE_RUN.sub(" ", line).strip() for line in text.splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def is_unit_heading(line: str) -> bool:
    """True for a short line that opens an article, chapter, section or fiche."""
    return len(line) <= 140 and bool(_UNIT_HEADING.match(line))


def is_numbered_heading(line: str) -> bool:
    """True for a short numbered title line ("4. Traitement des données")."""
    return len(line.split()) <= 12 and bool(_NUMBERED_HEADING.match(line))


def split_on_unit_headings(
    text: str, page: int | None, heading: str | None = None
) -> tuple[list[Section], str | None]:
    """Split plain text where an article, a chapter or a numbered part starts.

    Returns the sections and the heading in force at the end, so that a heading found on
    one PDF page carries over to the next.
    """
    sections: list[Section] = []
    current: list[str] = []

    def flush() -> None:
        body = tidy("\n".join(current))
        if body:
            sections.append(Section(text=body, heading=heading, page=page))
        current.clear()

    for line in text.splitlines():
        if is_unit_heading(line) or is_numbered_heading(line):
            flush()
            heading = _WHITESPACE_RUN.sub(" ", line).strip()
        current.append(line)
    flush()
    return sections, heading


class SectionBuilder:
    """Collects text under nested headings (Markdown, HTML, Word share this logic)."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self._path: list[tuple[int, str]] = []
        self._body: list[str] = []

    @property
    def heading_path(self) -> str | None:
        """The headings in force, outermost first: "Congés › Demande"."""
        return " › ".join(text for _, text in self._path) or None

    def add(self, text: str) -> None:
        """Append a line of body text to the current section."""
        self._body.append(text)

    def take_last_line(self) -> str | None:
        """Remove and return the last body line if it has text (a setext heading's title)."""
        if self._body and self._body[-1].strip():
            return self._body.pop()
        return None

    def heading(self, level: int, text: str) -> None:
        """Close the current section and open one under a heading of ``level``."""
        self.flush()
        while self._path and self._path[-1][0] >= level:
            self._path.pop()
        self._path.append((level, text))

    def flush(self) -> None:
        """Close the current section, if it holds any text."""
        text = tidy("\n".join(self._body))
        self._body.clear()
        if text:
            self.sections.append(Section(text=text, heading=self.heading_path))
