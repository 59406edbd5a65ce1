"""A catalogue record, whatever standard it was written in.

ISO 19139, ISO 19115-3, DCAT, CKAN, GeoNetwork index: what data stewards search by and
what a dataset card shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Link:
    """A distribution or online resource: a WMS/WFS service, a download, a web page."""

    url: str
    protocol: str | None = (
        None  # "OGC:WMS", "OGC:WFS", "WWW:DOWNLOAD-1.0-http--download", "text/csv"...
    )
    name: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Contact:
    """A responsible party. Person names, emails and phones go through the PII guard."""

    organisation: str | None = None
    individual: str | None = None
    role: str | None = None  # ISO role code ("pointOfContact", "publisher", "owner"...)
    email: str | None = None
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class CatalogueRecord:
    """One dataset or service description; ``identifier`` is its stable id in its catalogue."""

    identifier: str  # fileIdentifier / metadataIdentifier / DCAT URI / CKAN id
    title: str
    standard: str  # "iso19139" | "iso19115-3" | "dcat" | "ckan" | "geonetwork"
    abstract: str = ""
    resource_type: str | None = None  # "dataset", "series", "service"...
    keywords: tuple[str, ...] = ()  # free keywords and thesaurus keywords, as written
    themes: tuple[str, ...] = ()  # INSPIRE themes / DCAT themes (labels, in French if given)
    topic_categories: tuple[str, ...] = ()  # ISO topic categories ("environment", "boundaries")
    lineage: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north (WGS 84)
    temporal_start: str | None = None  # ISO 8601 date or datetime, as given
    temporal_end: str | None = None
    dates: dict[str, str] = field(
        default_factory=dict
    )  # {"creation"|"publication"|"revision": ISO date}
    metadata_date: str | None = None  # the record's own dateStamp / modified
    contacts: tuple[Contact, ...] = ()
    links: tuple[Link, ...] = ()
    licence: str | None = None
    constraints: tuple[str, ...] = ()  # use/access constraints, other constraints, as text
    language: str | None = None  # "fre", "fr", "eng"...
    record_url: str | None = None  # where a person can read the record (catalogue page), if known


@dataclass(frozen=True)
class RecordProblem:
    """A record (or a whole file) that could not be read, with a reason a person can act on."""

    where: str  # "fichier.xml", "fichier.xml, fiche n° 3" or "fichier.xml, fiche <id>"
    reason: str  # in French


@dataclass(frozen=True)
class ParsedCatalogue:
    """What one file or one CSW response held."""

    records: list[CatalogueRecord]
    problems: list[RecordProblem]
