"""CSV tables (exports, catalogue lists): rows as readable "column : value" lines.

A table has no headings; sections of a few dozen rows keep chunks small, and each row
names its columns so that a row found by search reads on its own.
"""

from __future__ import annotations

import csv
import io

from connectors.base import Section
from connectors.formats.structure import ParsedFile, UnreadableFile
from connectors.formats.text import decode_text

ROWS_PER_SECTION = 25


def parse_csv(data: bytes) -> ParsedFile:
    """Parse a CSV file with a header line (delimiter sniffed: comma, semicolon, tab)."""
    text = decode_text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise UnreadableFile(f"tableau CSV illisible à la ligne {reader.line_num} ({exc})") from exc
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise UnreadableFile("tableau CSV sans ligne de données sous l'en-tête")
    header = [cell.strip() or f"colonne {i + 1}" for i, cell in enumerate(rows[0])]
    sections: list[Section] = []
    lines: list[str] = []
    first = 1
    for number, row in enumerate(rows[1:], start=1):
        cells = [
            f"{name} : {value.strip()}"
            for name, value in zip(header, row, strict=False)
            if value.strip()
        ]
        lines.append(" ; ".join(cells))
        if len(lines) == ROWS_PER_SECTION or number == len(rows) - 1:
            heading = f"Colonnes : {', '.join(header)} — lignes {first} à {number}"
            sections.append(Section(text="\n".join(lines), heading=heading))
            lines, first = [], number + 1
    return ParsedFile(title=None, sections=sections)
