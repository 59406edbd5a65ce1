"""CSV tables (exports, catalogue lists): rows as readable "column : value" lines.

A table has no headings; sections of a few dozen rows keep chunks small, and each row
names its columns so that a row found by search reads on its own.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from connectors.base import Section
from connectors.formats.structure import ParsedFile, UnreadableFile
from connectors.formats.text import decode_text

ROWS_PER_SECTION = 25
# A reference list (communes, nomenclatures, a catalogue's datasets) fits; a data export
# does not: its rows would take minutes to check for personal data and embed (100,000
# rows: over 8 MB of text, 4,000 sections) and answer no question a document answers.
DEFAULT_MAX_ROWS = 5000


def parse_csv(data: bytes, max_rows: int = DEFAULT_MAX_ROWS) -> ParsedFile:
    """Parse a CSV file with a header line (delimiter sniffed: comma, semicolon, tab).

    Rows are read one at a time and the reading stops past ``max_rows`` data rows, so a
    huge export is refused in the time it takes to read that many rows.
    """
    text = decode_text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows = (row for row in reader if any(cell.strip() for cell in row))
    try:
        first = next(rows, None)
        header = [cell.strip() or f"colonne {i + 1}" for i, cell in enumerate(first or [])]
        sections = _sections(header, rows, max_rows)
    except csv.Error as exc:
        raise UnreadableFile(f"tableau CSV illisible à la ligne {reader.line_num} ({exc})") from exc
    if not sections:
        raise UnreadableFile("tableau CSV sans ligne de données sous l'en-tête")
    return ParsedFile(title=None, sections=sections)


def _sections(header: list[str], rows: Iterator[list[str]], max_rows: int) -> list[Section]:
    """Sections of ``ROWS_PER_SECTION`` rows, each row as "column : value" pairs."""
    sections: list[Section] = []
    lines: list[str] = []
    first = 1
    for number, row in enumerate(rows, start=1):
        if number > max_rows:
            raise UnreadableFile(
                f"tableau CSV de plus de {max_rows:,} lignes de données".replace(",", "\u202f")
                + " : trop long pour être indexé comme un document (un export de données "
                "se décrit plutôt par son dictionnaire) ; réglage files.max_csv_rows pour "
                "relever la limite"
            )
        cells = [
            f"{name} : {value.strip()}"
            for name, value in zip(header, row, strict=False)
            if value.strip()
        ]
        lines.append(" ; ".join(cells))
        if len(lines) == ROWS_PER_SECTION:
            sections.append(_section(header, lines, first, number))
            lines, first = [], number + 1
    if lines:
        sections.append(_section(header, lines, first, first + len(lines) - 1))
    return sections


def _section(header: list[str], lines: list[str], first: int, last: int) -> Section:
    heading = f"Colonnes : {', '.join(header)} — lignes {first} à {last}"
    return Section(text="\n".join(lines), heading=heading)
