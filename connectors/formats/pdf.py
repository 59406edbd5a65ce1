"""PDF files: text per page, page numbers kept, articles become headings."""

from __future__ import annotations

import io
import logging
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from connectors.base import Section
from connectors.formats.structure import ParsedFile, UnreadableFile, split_on_unit_headings

logger = logging.getLogger(__name__)

# Below this many characters of text per page on average, the PDF is a scan.
_MIN_CHARS_PER_PAGE = 30
# What pypdf raises on a damaged file: its own errors (a reference loop is a
# LimitReachedError, not a PdfReadError), a filter name it does not know, and slips of its
# object parser on values of the wrong type.
_DAMAGED = (
    PyPdfError,
    NotImplementedError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
)


def _is_word_per_line(text: str) -> bool:
    """Some PDFs place each word on its own text line; plain extraction then loses lines."""
    lines = [line for line in text.splitlines() if line.strip()]
    single = sum(1 for line in lines if len(line.split()) == 1)
    return len(lines) >= 20 and single > 0.6 * len(lines)


def _page_text(page: Any) -> str:
    """The page's text; layout mode when plain mode scatters words one per line."""
    text: str = page.extract_text() or ""
    if _is_word_per_line(text):
        text = page.extract_text(extraction_mode="layout") or text
    return text


def _title(reader: PdfReader) -> str | None:
    """The title of the information dictionary; a damaged one only costs the title."""
    try:
        metadata = reader.metadata
        title = metadata.title if metadata is not None else None
    except _DAMAGED:
        logger.debug("Unreadable PDF information dictionary", exc_info=True)
        return None
    if title and len(title.strip()) > 3:
        return title.strip()
    return None


def parse_pdf(data: bytes) -> ParsedFile:
    """Extract each page's text; refuse encrypted, corrupt and scanned PDFs."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFile("PDF protégé par un mot de passe")
        pages = [_page_text(page) for page in reader.pages]
    except _DAMAGED as exc:
        raise UnreadableFile(f"PDF illisible ou corrompu ({exc})") from exc
    if not pages:
        raise UnreadableFile("PDF sans aucune page")
    if sum(len(page.strip()) for page in pages) < _MIN_CHARS_PER_PAGE * len(pages):
        raise UnreadableFile(
            "PDF sans couche texte (document numérisé) : il faut le passer à l'OCR "
            "avant de l'indexer"
        )
    title = _title(reader)
    sections: list[Section] = []
    heading: str | None = None
    for number, text in enumerate(pages, start=1):
        page_sections, heading = split_on_unit_headings(text, page=number, heading=heading)
        sections.extend(page_sections)
    return ParsedFile(title=title, sections=sections)
