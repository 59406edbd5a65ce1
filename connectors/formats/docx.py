"""Word documents: heading styles give sections; tables are kept as text."""

from __future__ import annotations

import io
import zipfile

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from connectors.formats.structure import ParsedFile, SectionBuilder, UnreadableFile, tidy


def _heading_level(paragraph: Paragraph) -> int | None:
    style = paragraph.style.name if paragraph.style is not None else ""
    name = (style or "").lower()
    if name == "title":
        return 1
    for prefix in ("heading ", "titre "):
        if name.startswith(prefix) and name[len(prefix) :].strip().isdigit():
            return int(name[len(prefix) :])
    return None


def parse_docx(data: bytes) -> ParsedFile:
    """Parse a .docx file's body in reading order."""
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableFile(f"document Word illisible ou corrompu ({exc})") from exc
    title = (document.core_properties.title or "").strip() or None
    builder = SectionBuilder()
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = [tidy(cell.text) for cell in row.cells]
                builder.add(" | ".join(cell for cell in cells if cell))
            continue
        text = tidy(block.text)
        level = _heading_level(block)
        if level is not None and text:
            builder.heading(level, text)
            if title is None and level == 1:
                title = text
        elif text:
            builder.add(text)
    builder.flush()
    return ParsedFile(title=title, sections=builder.sections)
