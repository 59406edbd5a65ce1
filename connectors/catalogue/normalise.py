"""Value clean-up shared by every catalogue parser.

Each standard spells the same things differently (a bbox as four decimals, a GeoJSON
polygon or a WKT literal; an abstract as plain text or HTML). Turning them into the one
shape of :class:`CatalogueRecord` in one place keeps the parsers comparable, and keeps the
French reasons of :class:`RecordProblem` worded the same whatever the standard.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any, TypeVar

from lxml import etree, html

from connectors.catalogue.record import (
    CatalogueRecord,
    Contact,
    Link,
    ParsedCatalogue,
    RecordProblem,
)
from connectors.errors import BoussoleError

logger = logging.getLogger(__name__)

BBox = tuple[float, float, float, float]
Item = TypeVar("Item")
Unique = TypeVar("Unique", bound=Hashable)

# A tag such as <p>, </DIV> or <br/>: enough to tell HTML from prose that says "a < b".
_MARKUP = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
# Block tags end a sentence; replacing them by a space keeps words of two paragraphs apart.
_BLOCK_TAGS = re.compile(
    r"</?(?:p|div|br|hr|li|ul|ol|tr|td|th|h[1-6]|table|blockquote)\b[^>]*>", re.I
)
_PLACEHOLDERS = frozenset({"none", "null"})
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_FOUR_NUMBERS = re.compile(
    rf"^\s*({_NUMBER})\s*,\s*({_NUMBER})\s*,\s*({_NUMBER})\s*,\s*({_NUMBER})\s*$"
)
# No catalogue nests JSON this deep (a GeoJSON multipolygon in a search response takes a
# dozen levels); deeper input would only exhaust the recursion of the readers that walk it.
_MAX_JSON_DEPTH = 64
_TOO_DEEP = f"JSON imbriqué sur plus de {_MAX_JSON_DEPTH} niveaux : ce n'est pas un catalogue"


class IncompleteRecordError(BoussoleError):
    """A record that lacks what makes it findable (identifier, title); its siblings still count."""

    code = "fiche_incomplete"

    def __init__(self, reason: str, identifier: str | None = None) -> None:
        super().__init__(reason)
        self.identifier = identifier


class UnreadableCatalogueError(BoussoleError):
    """A whole file that cannot be read as a catalogue (malformed, unknown format)."""

    code = "catalogue_illisible"


def clean(value: object) -> str | None:
    """Collapse whitespace so that values compare and display alike; ``None`` when empty.

    Some export tools write a missing value as the word ``None`` or ``null``: that is
    no phone number nor address a person could use, so it counts as empty too.
    """
    if value is None:
        return None
    text = " ".join(str(value).split())
    if not text or text.lower() in _PLACEHOLDERS:
        return None
    return text


def plain_text(value: object) -> str | None:
    """Drop the HTML that CKAN, DCAT-US and GeoNetwork abstracts often carry."""
    text = clean(value)
    if text is None or not _MARKUP.search(text):
        return text
    spaced = _BLOCK_TAGS.sub(" ", text)
    try:
        fragment = html.fragment_fromstring(spaced, create_parent="div")
    except (etree.ParserError, ValueError):
        return text
    return clean(fragment.text_content())


def first(values: Iterable[object]) -> str | None:
    """The first non-empty value, cleaned: records often repeat a field, the first one wins."""
    for value in values:
        text = clean(value)
        if text is not None:
            return text
    return None


def unique(values: Iterable[object]) -> tuple[str, ...]:
    """Cleaned values, empty ones skipped, duplicates dropped, the record's order kept."""
    seen: dict[str, None] = {}
    for value in values:
        text = clean(value)
        if text is not None:
            seen.setdefault(text, None)
    return tuple(seen)


def distinct(items: Iterable[Unique]) -> tuple[Unique, ...]:
    """Items each once, in the record's order (ISO repeats a party or a link per role)."""
    return tuple(dict.fromkeys(items))


def unique_contacts(contacts: Iterable[Contact]) -> tuple[Contact, ...]:
    """Contacts each once, only those that say who to reach or how (a role alone is not)."""
    return distinct(
        contact
        for contact in contacts
        if contact.organisation or contact.individual or contact.email or contact.phone
    )


def unique_links(links: Iterable[Link]) -> tuple[Link, ...]:
    """Links each once: a service is often listed both as a distribution and an operation."""
    return distinct(links)


def join_address(*parts: object) -> str | None:
    """One readable address line from the pieces a standard splits it into."""
    return ", ".join(unique(parts)) or None


def strip_mailto(value: object) -> str | None:
    """Emails arrive as ``mailto:`` URIs in DCAT; people search the bare address."""
    text = clean(value)
    if text is not None and text.lower().startswith("mailto:"):
        text = clean(text[len("mailto:") :])
    return text


def wgs84_bbox(west: object, south: object, east: object, north: object) -> BBox | None:
    """Four numbers as a WGS 84 bbox, or ``None`` when they cannot be one.

    Some records put projected coordinates (Lambert 93 metres) where degrees belong;
    a box outside the globe would mislead any map or spatial filter, so it is dropped.
    West greater than east is kept: it is how a box across the antimeridian is written.
    """
    try:
        w, s, e, n = (float(str(value).strip()) for value in (west, south, east, north))
    except ValueError:
        return None
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        return None
    if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= n <= 90):
        return None
    return (w, s, e, n)


def union_bbox(boxes: Iterable[BBox | None]) -> BBox | None:
    """One box around all of a record's boxes (mainland plus overseas territories...)."""
    found = [box for box in boxes if box is not None]
    plain = [box for box in found if box[0] <= box[2]]
    if not plain:
        return found[0] if found else None
    return (
        min(box[0] for box in plain),
        min(box[1] for box in plain),
        max(box[2] for box in plain),
        max(box[3] for box in plain),
    )


def bbox_of_points(points: Iterable[tuple[float, float]]) -> BBox | None:
    """The box around (longitude, latitude) points."""
    listed = list(points)
    if not listed:
        return None
    xs = [x for x, _ in listed]
    ys = [y for _, y in listed]
    return wgs84_bbox(min(xs), min(ys), max(xs), max(ys))


def _geojson_positions(node: object) -> Iterator[tuple[float, float]]:
    """Every position of a GeoJSON geometry, feature or collection, however nested."""
    if isinstance(node, list):
        head = node[:2]
        if len(head) == 2 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in head
        ):
            yield float(head[0]), float(head[1])
            return
        for child in node:
            yield from _geojson_positions(child)
    elif isinstance(node, dict):
        for key in ("coordinates", "geometry", "geometries", "features"):
            if key in node:
                yield from _geojson_positions(node[key])


def bbox_from_geojson(value: object) -> BBox | None:
    """The bbox of a GeoJSON object, given parsed or as JSON text."""
    if isinstance(value, str | bytes):
        value = embedded_json(value)
    return bbox_of_points(_geojson_positions(value))


def bbox_from_wkt(text: str) -> BBox | None:
    """The bbox of a WKT geometry (``POLYGON((x y, ...))``), CRS prefix or SRID allowed."""
    start = text.find("(")
    if start < 0:
        return None
    points: list[tuple[float, float]] = []
    for chunk in re.split(r"[(),]", text[start:]):
        numbers = chunk.split()
        if len(numbers) < 2:
            continue
        try:
            points.append((float(numbers[0]), float(numbers[1])))
        except ValueError:
            return None
    return bbox_of_points(points)


def bbox_from_geometry(value: object) -> BBox | None:
    """The bbox of a geometry as catalogues write it: GeoJSON, WKT or ``west,south,east,north``."""
    text = clean(value)
    if text is None:
        return None
    if text.startswith(("{", "[")):
        return bbox_from_geojson(text)
    numbers = _FOUR_NUMBERS.match(text)
    if numbers:
        return wgs84_bbox(*numbers.groups())
    if re.match(r"^(?:<[^>]*>\s*)?(?:SRID=\d+;\s*)?[A-Za-z]+\s*\(", text):
        return bbox_from_wkt(text)
    return None


def earliest(values: Iterable[object]) -> str | None:
    """The earliest of ISO 8601 dates, as written (ISO dates sort as text)."""
    dates = unique(values)
    return min(dates) if dates else None


def latest(values: Iterable[object]) -> str | None:
    """The latest of ISO 8601 dates, as written."""
    dates = unique(values)
    return max(dates) if dates else None


def require_identity(identifier: object, title: object) -> tuple[str, str]:
    """The identifier and title every record needs to be found and cited again."""
    clean_identifier = clean(identifier)
    clean_title = clean(title)
    if clean_identifier is None:
        raise IncompleteRecordError("fiche sans identifiant : elle ne pourrait pas être citée")
    if clean_title is None:
        raise IncompleteRecordError("fiche sans titre", identifier=clean_identifier)
    return clean_identifier, clean_title


def record_location(name: str, position: int, identifier: str | None = None) -> str:
    """Where a record sits, as a person would look for it: its id if known, else its rank."""
    if identifier:
        return f"{name}, fiche {identifier}"
    return f"{name}, fiche n° {position}"


def file_problem(name: str, reason: str) -> ParsedCatalogue:
    """What a file that holds no readable record at all gives."""
    return ParsedCatalogue(records=[], problems=[RecordProblem(where=name, reason=reason)])


def collect_records(
    name: str, items: Iterable[Item], build: Callable[[Item], CatalogueRecord]
) -> ParsedCatalogue:
    """Build one record per item; a bad item becomes a problem and its siblings still count.

    Catalogue content is written by hand in many tools, so a record may hold a value of a
    shape no parser foresaw: that record is reported (and logged for a developer), never
    allowed to stop the rest of the file.
    """
    records: list[CatalogueRecord] = []
    problems: list[RecordProblem] = []
    for position, item in enumerate(items, start=1):
        try:
            records.append(build(item))
        except IncompleteRecordError as error:
            where = record_location(name, position, error.identifier)
            problems.append(RecordProblem(where=where, reason=error.message))
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as error:
            logger.warning("Fiche %s n° %s illisible", name, position, exc_info=True)
            reason = f"fiche illisible ({type(error).__name__} : {error})"
            problems.append(RecordProblem(where=record_location(name, position), reason=reason))
    if not records and not problems:
        problems.append(RecordProblem(where=name, reason="aucune fiche trouvée dans le fichier"))
    return ParsedCatalogue(records=records, problems=problems)


def parse_xml(data: bytes) -> Any:
    """An lxml root element, without fetching DTDs or expanding external entities."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        line = error.lineno if error.lineno else "?"
        raise UnreadableCatalogueError(f"XML mal formé (ligne {line}) : {error.msg}") from error


def parse_json(data: bytes | str) -> Any:
    """Decoded JSON, or a French reason that names the line and column at fault."""
    try:
        document = json.loads(data)
    except json.JSONDecodeError as error:
        reason = f"JSON mal formé (ligne {error.lineno}, colonne {error.colno}) : {error.msg}"
        raise UnreadableCatalogueError(reason) from error
    except UnicodeDecodeError as error:
        raise UnreadableCatalogueError(
            f"JSON illisible : encodage inconnu ({error.reason})"
        ) from error
    except RecursionError as error:
        raise UnreadableCatalogueError(_TOO_DEEP) from error
    if _json_depth(document) > _MAX_JSON_DEPTH:
        raise UnreadableCatalogueError(_TOO_DEEP)
    return document


def embedded_json(text: str | bytes) -> Any:
    """JSON stored as a string in a field (a GeoJSON ``spatial``); ``None`` when it is not."""
    try:
        return parse_json(text)
    except UnreadableCatalogueError:
        return None


def _json_depth(document: object) -> int:
    """How deep arrays and objects nest, counted without recursion, up to one past the limit."""
    deepest = 0
    pending = [(document, 1)]
    while pending and deepest <= _MAX_JSON_DEPTH:
        node, depth = pending.pop()
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            deepest = max(deepest, depth)
            pending.extend((child, depth + 1) for child in node)
    return deepest


def localname(element: Any) -> str:
    """An XML element's name without its namespace."""
    return str(etree.QName(element).localname)


def namespace(element: Any) -> str:
    """An XML element's namespace URI, empty when it has none."""
    return str(etree.QName(element).namespace or "")
