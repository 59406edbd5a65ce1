"""CKAN and DKAN packages: ``package_show``, ``package_search`` and bare package JSON.

Harvested CKAN portals (data.gouv.fr's ancestors, ckanext-spatial, DKAN) keep what the
ISO source said in ``extras``: a GeoJSON ``spatial``, four ``bbox-*`` values, reference
dates as a JSON string, sometimes HTML-escaped. Those are read too, since they are often
the only place a bbox or a date lives.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

from connectors.catalogue.normalise import (
    UnreadableCatalogueError,
    bbox_from_geometry,
    clean,
    collect_records,
    embedded_json,
    file_problem,
    first,
    parse_json,
    plain_text,
    require_identity,
    unique,
    unique_contacts,
    unique_links,
    wgs84_bbox,
)
from connectors.catalogue.record import CatalogueRecord, Contact, Link, ParsedCatalogue

# Keys that only a CKAN package has, to recognise one without its API envelope.
PACKAGE_KEYS = frozenset({"resources", "notes", "num_resources", "license_id", "license_title"})


def parse_ckan(data: bytes, name: str) -> ParsedCatalogue:
    """Every package of a CKAN/DKAN API response or package file."""
    try:
        document = parse_json(data)
    except UnreadableCatalogueError as error:
        return file_problem(name, error.message)
    if isinstance(document, dict) and document.get("success") is False:
        failure = _mapping(document.get("error"))
        message = first([failure.get("message"), failure.get("__type")]) or "?"
        return file_problem(name, f"l'API CKAN a répondu par une erreur : {message}")
    packages = ckan_packages(document)
    if packages is None:
        return file_problem(name, "JSON sans paquet CKAN (ni result, ni results, ni resources)")
    return collect_records(name, packages, _record_from_package)


def ckan_packages(document: object) -> list[dict[str, Any]] | None:
    """The packages of a response: ``result``, ``result.results``, a list, or one package."""
    if isinstance(document, dict) and "result" in document:
        result = document["result"]
        if isinstance(result, dict) and isinstance(result.get("results"), list):
            return _dicts(result["results"])
        if isinstance(result, list):
            return _dicts(result)
        return [result] if isinstance(result, dict) else None
    if isinstance(document, list):
        return _dicts(document) if any(is_ckan_package(item) for item in document) else None
    if is_ckan_package(document):
        return [document] if isinstance(document, dict) else None
    return None


def is_ckan_package(document: object) -> bool:
    """Whether a JSON object looks like a bare CKAN package."""
    return isinstance(document, dict) and bool(PACKAGE_KEYS & document.keys())


def _dicts(items: list[Any]) -> list[dict[str, Any]]:
    """Entries that are JSON objects; anything else becomes an empty one, then a problem."""
    return [item if isinstance(item, dict) else {} for item in items]


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _extras(package: dict[str, Any]) -> dict[str, str]:
    """``extras`` as a dict, whether CKAN sent a list of key/value pairs or a dict."""
    extras = package.get("extras")
    if isinstance(extras, dict):
        pairs = list(extras.items())
    else:
        pairs = [
            (entry.get("key"), entry.get("value"))
            for entry in _list(extras)
            if isinstance(entry, dict)
        ]
    return {str(key): str(value) for key, value in pairs if key is not None and value is not None}


def _embedded_json(value: str | None) -> Any:
    """JSON stored as a string in an extra, HTML-escaped by some DKAN exports."""
    if value is None:
        return None
    return embedded_json(html.unescape(value))


def _record_from_package(package: dict[str, Any]) -> CatalogueRecord:
    """One record from a package; ``id`` is stable across renames, ``name`` is the fallback."""
    extras = _extras(package)
    identifier, title = require_identity(
        first([package.get("id"), package.get("name")]), package.get("title")
    )
    licence = first(
        [package.get("license_title"), package.get("license_id"), package.get("license_url")]
    )
    return CatalogueRecord(
        identifier=identifier,
        title=title,
        standard="ckan",
        abstract=plain_text(package.get("notes")) or "",
        resource_type=first([extras.get("resource-type"), package.get("type")]),
        keywords=unique(_tag_names(package)),
        themes=unique(
            first([group.get("title"), group.get("display_name"), group.get("name")])
            for group in _list(package.get("groups"))
            if isinstance(group, dict)
        ),
        lineage=first([extras.get("lineage"), package.get("lineage")]),
        bbox=_bbox(package, extras),
        temporal_start=first(
            [
                package.get("temporal_start"),
                extras.get("temporal_start"),
                extras.get("temporal-extent-begin"),
            ]
        ),
        temporal_end=first(
            [
                package.get("temporal_end"),
                extras.get("temporal_end"),
                extras.get("temporal-extent-end"),
            ]
        ),
        dates=_dates(extras),
        metadata_date=first([package.get("metadata_modified"), extras.get("metadata-date")]),
        contacts=unique_contacts(_contacts(package, extras)),
        links=unique_links(_links(package)),
        licence=licence,
        constraints=unique([licence, *_embedded_strings(extras.get("access_constraints"))]),
        language=first(
            [package.get("language"), extras.get("metadata-language"), extras.get("language")]
        ),
    )


def _tag_names(package: dict[str, Any]) -> Iterator[object]:
    """Tags as objects (``display_name``/``name``) or, in some exports, as plain strings."""
    for tag in _list(package.get("tags")):
        yield first([tag.get("display_name"), tag.get("name")]) if isinstance(tag, dict) else tag


def _bbox(
    package: dict[str, Any], extras: dict[str, str]
) -> tuple[float, float, float, float] | None:
    """From the ``spatial`` GeoJSON extra, else from ckanext-spatial's four ``bbox-*`` extras."""
    spatial = first([extras.get("spatial"), package.get("spatial")])
    box = bbox_from_geometry(spatial)
    if box is not None:
        return box
    return wgs84_bbox(
        extras.get("bbox-west-long"),
        extras.get("bbox-south-lat"),
        extras.get("bbox-east-long"),
        extras.get("bbox-north-lat"),
    )


def _dates(extras: dict[str, str]) -> dict[str, str]:
    """ckanext-spatial's ``dataset-reference-date``: ``[{"type": ..., "value": ...}]``."""
    dates: dict[str, str] = {}
    for entry in _list(_embedded_json(extras.get("dataset-reference-date"))):
        if isinstance(entry, dict):
            kind, value = clean(entry.get("type")), clean(entry.get("value"))
            if kind and value:
                dates.setdefault(kind, value)
    return dates


def _embedded_strings(value: str | None) -> list[object]:
    """An extra holding a JSON list of strings (``"[]"`` when empty), or a plain string."""
    decoded = _embedded_json(value)
    if isinstance(decoded, list):
        return decoded
    return [] if decoded is not None else [value]


def _contacts(package: dict[str, Any], extras: dict[str, str]) -> Iterator[Contact]:
    """Maintainer, author, owning organisation and the harvested responsible parties."""
    yield Contact(
        individual=clean(package.get("maintainer")),
        email=clean(package.get("maintainer_email")),
        role="pointOfContact",
    )
    yield Contact(
        individual=clean(package.get("author")),
        email=clean(package.get("author_email")),
        role="author",
    )
    organisation = _mapping(package.get("organization"))
    yield Contact(
        organisation=first([organisation.get("title"), organisation.get("name")]), role="publisher"
    )
    for party in _list(_embedded_json(extras.get("responsible-party"))):
        if isinstance(party, dict):
            roles = _list(party.get("roles"))
            yield Contact(organisation=clean(party.get("name")), role=first(roles))


def _links(package: dict[str, Any]) -> Iterator[Link]:
    for resource in _list(package.get("resources")):
        if not isinstance(resource, dict):
            continue
        url = clean(resource.get("url"))
        if url is not None:
            yield Link(
                url=url,
                protocol=first([resource.get("format"), resource.get("mimetype")]),
                name=clean(resource.get("name")),
                description=plain_text(resource.get("description")),
            )
