"""Plain text and Markdown."""

from __future__ import annotations

import re

from connectors.base import Section
from connectors.formats.structure import (
    ParsedFile,
    SectionBuilder,
    UnreadableFile,
    split_on_unit_headings,
)

_ATX = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_FRONT_TITLE = re.compile(r"^title\s*:\s*[\"']?(.+?)[\"']?\s*$", re.IGNORECASE)


def decode_text(data: bytes) -> str:
    """Decode UTF-8 text, refusing binary content and other encodings with a clear reason."""
    if b"\x00" in data[:8192]:
        raise UnreadableFile("contenu binaire (octets nuls) : ce n'est pas un fichier texte")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"texte non encodé en UTF-8 (octet invalide à la position {exc.start}) ; "
            "réenregistrez le fichier en UTF-8"
        ) from exc
    return text


def parse_text(data: bytes) -> ParsedFile:
    """Parse plain text: articles and chapters become headings."""
    sections, _ = split_on_unit_headings(decode_text(data), page=None)
    return ParsedFile(title=None, sections=sections)


def _strip_inline(line: str) -> str:
    line = _IMAGE.sub(r"\1", line)
    line = _LINK.sub(r"\1", line)
    line = _HTML_TAG.sub("", line)
    return _EMPHASIS.sub("", line)


def _split_front_matter(lines: list[str]) -> tuple[str | None, list[str]]:
    if not lines or lines[0].strip() not in ("---", "+++"):
        return None, lines
    fence = lines[0].strip()
    for end in range(1, min(len(lines), 200)):
        if lines[end].strip() == fence:
            title = None
            for line in lines[1:end]:
                match = _FRONT_TITLE.match(line.strip())
                if match:
                    title = match.group(1).strip()
            return title, lines[end + 1 :]
    return None, lines


def parse_markdown(data: bytes) -> ParsedFile:
    """Parse Markdown: ATX and setext headings give each section its heading path."""
    title, lines = _split_front_matter(decode_text(data).splitlines())
    builder = SectionBuilder()
    in_fence = False

    def open_heading(level: int, text: str) -> None:
        nonlocal title
        builder.heading(level, text)
        if title is None and level == 1:
            title = text

    for raw in lines:
        if _FENCE.match(raw):
            in_fence = not in_fence
            builder.add(raw)
            continue
        if in_fence:
            builder.add(raw)
            continue
        atx = _ATX.match(raw)
        if atx:
            open_heading(len(atx.group(1)), _strip_inline(atx.group(2)).strip())
            continue
        if _SETEXT.match(raw):
            underlined = builder.take_last_line()
            if underlined is not None:
                open_heading(1 if raw.strip().startswith("=") else 2, underlined.strip())
                continue
        builder.add(_strip_inline(raw))
    builder.flush()
    sections = builder.sections
    if not sections and builder.heading_path:
        # A file made of headings only still says something.
        sections.append(Section(text=builder.heading_path, heading=builder.heading_path))
    return ParsedFile(title=title, sections=sections)
