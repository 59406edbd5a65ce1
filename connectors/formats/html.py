"""HTML pages: headings give sections; navigation, scripts and footers are dropped."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag

from connectors.base import Section
from connectors.formats.structure import ParsedFile, SectionBuilder, tidy
from connectors.formats.text import decode_text

_DROPPED = ("script", "style", "noscript", "nav", "footer", "header", "aside", "form", "svg")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = ("p", "li", "td", "th", "pre", "blockquote", "dd", "dt", "figcaption", "caption")


def parse_html(data: bytes) -> ParsedFile:
    """Parse an HTML page into sections under its headings."""
    soup = BeautifulSoup(decode_text(data), "lxml")
    for tag in soup.find_all(_DROPPED):
        tag.decompose()
    title_tag = soup.find("title")
    title = tidy(title_tag.get_text(" ")) if title_tag else None
    root = soup.find("main") or soup.find("article") or soup.body or soup

    builder = SectionBuilder()
    for element in root.find_all((*_HEADINGS, *_BLOCKS)):
        if not isinstance(element, Tag):
            continue
        if element.name in _HEADINGS:
            level = int(element.name[1])
            text = tidy(element.get_text(" "))
            builder.heading(level, text)
            if not title and level == 1:
                title = text
            continue
        if element.find_parent(_BLOCKS):
            continue  # its text is taken with the enclosing block
        text = tidy(element.get_text(" "))
        if text:
            builder.add(("- " if element.name == "li" else "") + text)
    builder.flush()
    sections = builder.sections
    if not sections:
        text = tidy(root.get_text("\n"))
        if text:
            sections.append(Section(text=text))
    return ParsedFile(title=title or None, sections=sections)
