"""Recognise which catalogue standard a file is written in, and hand it to its parser.

Harvested files rarely say what they are (``.json`` may be CKAN, GeoNetwork or DCAT-US;
``.xml`` may be ISO or RDF), so the content decides, never the file name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum

from connectors.catalogue.ckan import ckan_packages, parse_ckan
from connectors.catalogue.dcat import is_dcat_us_catalogue, parse_dcat
from connectors.catalogue.geonetwork import index_documents, parse_geonetwork
from connectors.catalogue.iso import CSW, ISO_NAMESPACES, ISO_RECORD_NAMES, parse_iso
from connectors.catalogue.normalise import (
    UnreadableCatalogueError,
    file_problem,
    localname,
    namespace,
    parse_json,
    parse_xml,
)
from connectors.catalogue.record import ParsedCatalogue

RDF_NAMESPACE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DCAT_NAMESPACE = "http://www.w3.org/ns/dcat#"
UNKNOWN = "format de catalogue non reconnu"

_BOM_AND_SPACE = b"\xef\xbb\xbf \t\r\n"
_HTML = re.compile(rb"<!doctype\s+html|<html[\s>]", re.I)
_TURTLE = re.compile(r"^\s*(?:@prefix\s|@base\s|prefix\s+[\w-]*:\s*<|base\s+<)", re.I | re.M)
_IRI_START = re.compile(rb"<(?:https?://|urn:)")


class CatalogueFormat(StrEnum):
    """The families of catalogue files Boussole reads."""

    ISO = "iso"
    DCAT = "dcat"
    CKAN = "ckan"
    GEONETWORK = "geonetwork"


_PARSERS: dict[CatalogueFormat, Callable[[bytes, str], ParsedCatalogue]] = {
    CatalogueFormat.ISO: parse_iso,
    CatalogueFormat.DCAT: parse_dcat,
    CatalogueFormat.CKAN: parse_ckan,
    CatalogueFormat.GEONETWORK: parse_geonetwork,
}


def parse_catalogue(data: bytes, name: str) -> ParsedCatalogue:
    """Every record of a catalogue file, whatever its standard; problems instead of errors."""
    try:
        catalogue_format = sniff_catalogue(data)
    except UnreadableCatalogueError as error:
        return file_problem(name, error.message)
    return _PARSERS[catalogue_format](data, name)


def sniff_catalogue(data: bytes) -> CatalogueFormat:
    """The standard of a file, judged on its content.

    Raises :class:`UnreadableCatalogueError` with a French reason when the file is
    malformed or is no catalogue at all.
    """
    head = data.lstrip(_BOM_AND_SPACE)
    if not head:
        raise UnreadableCatalogueError("fichier vide")
    if _HTML.match(head[:200]):
        raise UnreadableCatalogueError(f"{UNKNOWN} : c'est une page HTML")
    if head.startswith(b"<") and not _IRI_START.match(head):
        return _xml_format(data)
    if head.startswith((b"{", b"[")):
        return _json_format(data)
    return _text_format(head)


def _xml_format(data: bytes) -> CatalogueFormat:
    root = parse_xml(data)
    root_namespace, root_name = namespace(root), localname(root)
    if root_name in ISO_RECORD_NAMES and root_namespace in ISO_NAMESPACES:
        return CatalogueFormat.ISO
    if root_namespace in CSW or root_name == "ExceptionReport":
        return CatalogueFormat.ISO
    if root_namespace in (RDF_NAMESPACE, DCAT_NAMESPACE):
        return CatalogueFormat.DCAT
    raise UnreadableCatalogueError(f"{UNKNOWN} : XML dont l'élément racine est {root_name}")


def _json_format(data: bytes) -> CatalogueFormat:
    document = parse_json(data)
    if is_dcat_us_catalogue(document) or _is_json_ld(document):
        return CatalogueFormat.DCAT
    if isinstance(document, dict) and {"result", "help", "success"} & document.keys():
        return CatalogueFormat.CKAN
    documents = index_documents(document)
    if documents or (isinstance(document, dict) and documents is not None):
        return CatalogueFormat.GEONETWORK  # an empty search response is still GeoNetwork's
    if ckan_packages(document):
        return CatalogueFormat.CKAN
    raise UnreadableCatalogueError(f"{UNKNOWN} : JSON ni CKAN, ni GeoNetwork, ni DCAT")


def _is_json_ld(document: object) -> bool:
    """JSON-LD announces itself by ``@context`` or ``@graph`` at the top."""
    items = document if isinstance(document, list) else [document]
    return any(isinstance(item, dict) and {"@context", "@graph"} & item.keys() for item in items)


def _text_format(head: bytes) -> CatalogueFormat:
    """Turtle or N-Triples; a CSV, a README or a binary file is no catalogue."""
    text = head[:4096].decode("utf-8", errors="replace")
    if _TURTLE.search(text) or _IRI_START.match(head):
        return CatalogueFormat.DCAT
    raise UnreadableCatalogueError(UNKNOWN)
