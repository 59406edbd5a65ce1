"""GeoNetwork 4 records as its Elasticsearch index holds them (``/api/search/records/_search``).

The index flattens the ISO record: multilingual values become objects such as
``{"default": ..., "langfre": ...}``, keywords are grouped by thesaurus in ``allKeywords``,
and the record's own language decides which ``lang*`` key is the original. French is
preferred, then ``default`` (the record's main language).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from connectors.catalogue.normalise import (
    BBox,
    UnreadableCatalogueError,
    bbox_from_geojson,
    clean,
    collect_records,
    earliest,
    file_problem,
    first,
    latest,
    parse_json,
    plain_text,
    require_identity,
    union_bbox,
    unique,
    unique_contacts,
    unique_links,
)
from connectors.catalogue.record import CatalogueRecord, Contact, Link, ParsedCatalogue

# Keys that only a GeoNetwork index document has, to recognise one without ``_source``.
INDEX_KEYS = frozenset({"resourceTitleObject", "metadataIdentifier", "resourceAbstractObject"})
_INSPIRE_THEMES_FIELD = "th_httpinspireeceuropaeuthemetheme"
_INSPIRE_THESAURUS = re.compile(r"inspire.*th[eè]me|th[eè]me.*inspire", re.I)
_INSPIRE_THEME_REGISTER = "inspire.ec.europa.eu/theme"
_CONSTRAINT_FIELDS = (
    "MD_LegalConstraintsUseLimitationObject",
    "MD_ConstraintsUseLimitationObject",
    "MD_LegalConstraintsOtherConstraintsObject",
)


def parse_geonetwork(data: bytes, name: str) -> ParsedCatalogue:
    """Every record of a GeoNetwork search response, hit or bare index document."""
    try:
        document = parse_json(data)
    except UnreadableCatalogueError as error:
        return file_problem(name, error.message)
    sources = index_documents(document)
    if sources is None:
        return file_problem(name, "JSON sans document d'index GeoNetwork (ni hits, ni _source)")
    return collect_records(name, sources, _record_from_source)


def index_documents(document: object) -> list[dict[str, Any]] | None:
    """The ``_source`` of each hit (with its ``_id``), or the bare documents given."""
    if isinstance(document, dict) and isinstance(document.get("hits"), dict):
        return index_documents(document["hits"].get("hits", []))
    if isinstance(document, list):
        found = [index_documents(item) for item in document]
        return [source for sources in found if sources for source in sources]
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("_source"), dict):
        return [{"_id": document.get("_id"), **document["_source"]}]
    return [document] if INDEX_KEYS & document.keys() else None


def _localised(value: object) -> str | None:
    """The French text of a multilingual object, else its default, else any language."""
    if isinstance(value, list):
        return first(_localised(item) for item in value)
    if not isinstance(value, dict):
        return clean(value)
    languages = [value[key] for key in sorted(value) if key.startswith("lang")]
    return first([value.get("langfre"), value.get("default"), *languages])


def _list(value: object) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in _list(value) if isinstance(item, dict)]


def _record_from_source(source: dict[str, Any]) -> CatalogueRecord:
    """One record from an index document."""
    identifier, title = require_identity(
        first([source.get("metadataIdentifier"), source.get("uuid"), source.get("_id")]),
        _localised(source.get("resourceTitleObject")),
    )
    ranges = _dicts(source.get("resourceTemporalDateRange"))
    licences = unique(_localised(item) for item in _list(source.get("licenseObject")))
    return CatalogueRecord(
        identifier=identifier,
        title=title,
        standard="geonetwork",
        abstract=plain_text(_localised(source.get("resourceAbstractObject"))) or "",
        resource_type=first(
            [
                *(level.get("key") for level in _dicts(source.get("cl_hierarchyLevel"))),
                *(level.get("key") for level in _dicts(source.get("cl_level"))),
                *_list(source.get("resourceType")),
            ]
        ),
        keywords=unique(_localised(tag) for tag in _list(source.get("tag"))),
        themes=unique(_inspire_themes(source)),
        topic_categories=unique(
            first([topic.get("key"), topic.get("default")])
            for topic in _dicts(source.get("cl_topic"))
        ),
        lineage=plain_text(_localised(source.get("lineageObject"))),
        bbox=_bbox(source),
        temporal_start=earliest(period.get("gte") for period in ranges),
        temporal_end=latest(period.get("lte") for period in ranges),
        dates=_dates(source),
        metadata_date=first([source.get("dateStamp"), source.get("changeDate")]),
        contacts=unique_contacts(_contacts(source)),
        links=unique_links(_links(source)),
        licence=first(licences),
        constraints=unique(
            [
                *licences,
                *(
                    _localised(item)
                    for field in _CONSTRAINT_FIELDS
                    for item in _list(source.get(field))
                ),
            ]
        ),
        language=first([source.get("mainLanguage"), *_list(source.get("resourceLanguage"))]),
    )


def _inspire_themes(source: dict[str, Any]) -> Iterator[str | None]:
    """INSPIRE themes: their own index field, or the INSPIRE group of ``allKeywords``."""
    for keyword in _list(source.get(_INSPIRE_THEMES_FIELD)):
        yield _localised(keyword)
    for key, group in _mapping(source.get("allKeywords")).items():
        if not isinstance(group, dict):
            continue
        title = f"{group.get('title', '')} {group.get('id', '')}"
        is_inspire = (
            key == _INSPIRE_THEMES_FIELD
            or bool(_INSPIRE_THESAURUS.search(title))
            or _INSPIRE_THEME_REGISTER in str(group.get("link", ""))
        )
        if is_inspire:
            for keyword in _list(group.get("keywords")):
                yield _localised(keyword)


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _bbox(source: dict[str, Any]) -> BBox | None:
    """From ``geom`` (GeoJSON geometries) or ``coordinates`` (a bare GeoJSON ring)."""
    boxes = [bbox_from_geojson(geometry) for geometry in _list(source.get("geom"))]
    if source.get("coordinates") is not None:
        boxes.append(bbox_from_geojson({"coordinates": source["coordinates"]}))
    return union_bbox(boxes)


def _dates(source: dict[str, Any]) -> dict[str, str]:
    """``resourceDate`` entries by type, the first of each type as in the record."""
    dates: dict[str, str] = {}
    for entry in _dicts(source.get("resourceDate")):
        kind, value = clean(entry.get("type")), clean(entry.get("date"))
        if kind and value:
            dates.setdefault(kind, value)
    return dates


def _contacts(source: dict[str, Any]) -> Iterator[Contact]:
    """Resource contacts first, then the record's own contacts."""
    for contact in [*_dicts(source.get("contactForResource")), *_dicts(source.get("contact"))]:
        yield Contact(
            organisation=first(
                [_localised(contact.get("organisationObject")), contact.get("organisation")]
            ),
            individual=clean(contact.get("individual")),
            role=clean(contact.get("role")),
            email=clean(contact.get("email")),
            phone=clean(contact.get("phone")),
            address=clean(contact.get("address")),
        )


def _links(source: dict[str, Any]) -> Iterator[Link]:
    for link in _dicts(source.get("link")):
        url = first([_localised(link.get("urlObject")), link.get("url")])
        if url is not None:
            yield Link(
                url=url,
                protocol=clean(link.get("protocol")),
                name=first([_localised(link.get("nameObject")), link.get("name")]),
                description=plain_text(
                    first([_localised(link.get("descriptionObject")), link.get("description")])
                ),
            )
