"""Word documents: heading styles give sections; tables are kept as text."""

from __future__ import annotations

import io
import zipfile
import zlib

import docx
from docx.exceptions import PythonDocxError
from docx.opc.exceptions import OpcError
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from connectors.formats.structure import ParsedFile, SectionBuilder, UnreadableFile, tidy

# A broken zip or deflate stream, a part that is no XML, a missing part or relationship.
_DAMAGED_PACKAGE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    etree.XMLSyntaxError,
    OpcError,
    PythonDocxError,
    KeyError,
    ValueError,
)
# XML of the wrong shape (a body without w:body, styles that are no w:styles): python-docx
# reads parts lazily and only fails when the text is walked.
_UNEXPECTED_XML = (AttributeError, TypeError, IndexError)


def _heading_level(paragraph: Paragraph) -> int | None:
    style = paragraph.style.name if paragraph.style is not None else ""
    name = (style or "").lower()
    if name == "title":
        return 1
    for prefix in ("heading ", "titre "):
        # isdecimal, not isdigit: "Titre ²" is a style name int() cannot read.
        if name.startswith(prefix) and name[len(prefix) :].strip().isdecimal():
            return int(name[len(prefix) :])
    return None


def parse_docx(data: bytes) -> ParsedFile:
    """Parse a .docx file's body in reading order."""
    try:
        return _read_docx(data)
    except _DAMAGED_PACKAGE as exc:
        raise UnreadableFile(f"document Word illisible ou corrompu ({exc})") from exc
    except _UNEXPECTED_XML as exc:
        raise UnreadableFile(
            "document Word illisible ou corrompu (structure XML inattendue)"
        ) from exc


def _read_docx(data: bytes) -> ParsedFile:
    document = docx.Document(io.BytesIO(data))
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
