"""DCAT catalogues (RDF/XML, Turtle, JSON-LD, and the DCAT-US ``data.json`` of ArcGIS Hub).

Each ``dcat:Dataset`` of the graph is one record. DCAT-AP and GeoDCAT-AP exports say the
same thing several ways (a contact as ``dcat:contactPoint`` vCard, as ``dct:publisher``
FOAF agent, as a ``prov:qualifiedAttribution``), so each is read. Titles and descriptions
come in several languages: French is preferred, then untagged text, since Boussole's
readers are French-speaking.

JSON-LD whose ``@context`` is a remote URL is never handed to rdflib: rdflib would fetch
the context over the network. DCAT-US catalogues (the only such files in the corpus) are
read as plain JSON instead, their keys being fixed by the DCAT-US schema.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any
from xml.sax import SAXParseException

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.exceptions import ParserError
from rdflib.namespace import RDF
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from connectors.catalogue.normalise import (
    BBox,
    UnreadableCatalogueError,
    bbox_from_geometry,
    clean,
    collect_records,
    earliest,
    file_problem,
    first,
    join_address,
    latest,
    parse_json,
    plain_text,
    require_identity,
    strip_mailto,
    union_bbox,
    unique,
    unique_contacts,
    unique_links,
)
from connectors.catalogue.record import CatalogueRecord, Contact, Link, ParsedCatalogue

logger = logging.getLogger(__name__)

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
LOCN = Namespace("http://www.w3.org/ns/locn#")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SCHEMA_HTTP = Namespace("http://schema.org/")
SCHEMA_HTTPS = Namespace("https://schema.org/")

# BadSyntax says "Bad syntax (why) at ^ in: ..." followed by bytes reprs; only "why" reads well.
_BAD_SYNTAX_WHY = re.compile(r"Bad syntax \((.+?)\) at \^")
_LABELS = (SKOS.prefLabel, RDFS.label, DCT.title, FOAF.name, VCARD.fn)
_TOPIC_CATEGORY = "/TopicCategory/"
_MEDIA_TYPES = "/media-types/"
# GeoNetwork's name for a dataset's home page, so that links compare across standards.
LANDING_PAGE = "WWW:LINK"
_RDF_LABELS = {"xml": "RDF/XML", "json-ld": "JSON-LD", "turtle": "Turtle"}
# What rdflib's parsers raise, besides their own errors, on input they were not written for.
_RDF_PARSER_FAILURES = (AttributeError, KeyError, IndexError, AssertionError, RecursionError)


def guess_rdf_format(data: bytes) -> str:
    """The rdflib format name for RDF content, judged on its first character."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<http://", b"<https://", b"<urn:")):
        return "turtle"  # N-Triples, which the Turtle parser reads too
    if head.startswith(b"<"):
        return "xml"
    if head.startswith((b"{", b"[")):
        return "json-ld"
    return "turtle"


def parse_dcat(data: bytes, name: str) -> ParsedCatalogue:
    """Every ``dcat:Dataset`` of an RDF file, or every dataset of a DCAT-US ``data.json``."""
    # rdflib logs a traceback for each malformed typed literal (an empty xsd:date); the
    # value is still read as text, so that is noise in a harvest log.
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    rdf_format = guess_rdf_format(data)
    if rdf_format == "json-ld":
        try:
            document = parse_json(data)
        except UnreadableCatalogueError as error:
            return file_problem(name, error.message)
        if is_dcat_us_catalogue(document):
            return collect_records(name, _dcat_us_datasets(document), _record_from_dcat_us)
        context = remote_context(document)
        if context is not None:
            return file_problem(
                name, f"contexte JSON-LD distant non lu (pas d'accès réseau) : « {context} »"
            )
    graph = Graph()
    try:
        graph.parse(data=data, format=rdf_format)
    except (SAXParseException, BadSyntax, ParserError, ValueError, TypeError) as error:
        logger.debug("RDF illisible : %s", name, exc_info=True)
        return file_problem(name, _rdf_error_reason(rdf_format, error))
    except _RDF_PARSER_FAILURES:
        # rdflib 7.6's Turtle and JSON-LD parsers index past the end of a truncated file,
        # assert on an unclosed string, or call .get() on a @context that is a number.
        logger.debug("RDF illisible : %s", name, exc_info=True)
        label = _RDF_LABELS[rdf_format]
        return file_problem(name, f"{label} mal formé : syntaxe invalide ou fichier tronqué")
    datasets = sorted(set(graph.subjects(RDF.type, DCAT.Dataset)), key=str)
    if not datasets:
        return file_problem(name, "aucun dcat:Dataset dans ce graphe RDF")
    return collect_records(name, datasets, lambda dataset: _record_from_graph(graph, dataset))


def _rdf_error_reason(rdf_format: str, error: Exception) -> str:
    """A French reason that names the format and, where the parser says it, the line."""
    if isinstance(error, SAXParseException):
        return f"RDF/XML mal formé (ligne {error.getLineNumber()}) : {error.getMessage()}"
    if isinstance(error, BadSyntax):
        why = _BAD_SYNTAX_WHY.search(str(error))
        detail = why.group(1) if why else "syntaxe invalide"
        return f"Turtle mal formé (ligne {error.lines + 1}) : {detail}"
    return f"{_RDF_LABELS[rdf_format]} illisible : {clean(str(error)) or type(error).__name__}"


def remote_context(document: object) -> str | None:
    """The first ``@context`` (or JSON-LD 1.1 ``@import``) given as a URL.

    rdflib would fetch it over the network, or open it as a local path when it is
    relative: any string counts, even ``""`` or ``"null"``.
    """
    if isinstance(document, dict):
        for entry in (document.get("@context"), document.get("@import")):
            url = _context_url(entry)
            if url is not None:
                return url
        children = list(document.values())
    elif isinstance(document, list):
        children = document
    else:
        return None
    for child in children:
        found = remote_context(child)
        if found is not None:
            return found
    return None


def _context_url(context: object) -> str | None:
    """A string given as a context, itself or in lists (rdflib flattens nested lists)."""
    if isinstance(context, str):
        return context
    if isinstance(context, list):
        for entry in context:
            url = _context_url(entry)
            if url is not None:
                return url
    return None


def is_dcat_us_catalogue(document: object) -> bool:
    """Whether JSON is a DCAT-US (Project Open Data) ``data.json`` catalogue."""
    if not isinstance(document, dict) or not isinstance(document.get("dataset"), list):
        return False
    markers = f"{document.get('@context')} {document.get('conformsTo')}"
    return "project-open-data" in markers


# --- RDF graphs -----------------------------------------------------------------------


def _record_from_graph(graph: Graph, dataset: Node) -> CatalogueRecord:
    """One record from a ``dcat:Dataset`` node and what the graph says around it."""
    fallback_id = str(dataset) if isinstance(dataset, URIRef) else None
    identifier, title = require_identity(
        first([_text(graph, dataset, DCT.identifier), fallback_id]),
        _text(graph, dataset, DCT.title),
    )
    start, end = _temporal(graph, dataset)
    catalogue_records = _catalogue_records(graph, dataset)
    licences = _licences(graph, dataset)
    return CatalogueRecord(
        identifier=identifier,
        title=title,
        standard="dcat",
        abstract=plain_text(_text(graph, dataset, DCT.description)) or "",
        resource_type=first([_code(value) for value in graph.objects(dataset, DCT.type)])
        or "dataset",
        keywords=_texts(graph, dataset, DCAT.keyword),
        themes=unique(_label(graph, theme) for theme in graph.objects(dataset, DCAT.theme)),
        topic_categories=unique(
            _code(subject)
            for subject in graph.objects(dataset, DCT.subject)
            if _TOPIC_CATEGORY in str(subject)
        ),
        lineage=first(_label(graph, node) for node in graph.objects(dataset, DCT.provenance)),
        bbox=union_bbox(_spatial_bbox(graph, node) for node in graph.objects(dataset, DCT.spatial)),
        temporal_start=start,
        temporal_end=end,
        dates=_dates(graph, dataset),
        metadata_date=first(
            _text(graph, record, predicate)
            for record in catalogue_records
            for predicate in (DCT.modified, DCT.issued)
        ),
        contacts=unique_contacts(_contacts(graph, dataset)),
        links=unique_links(_links(graph, dataset)),
        licence=first(licences),
        constraints=unique(
            [
                *licences,
                *(_label(graph, node) for node in graph.objects(dataset, DCT.accessRights)),
            ]
        ),
        language=first(
            _language(language)
            for node in [*catalogue_records, dataset]
            for language in graph.objects(node, DCT.language)
        ),
        record_url=fallback_id if fallback_id and fallback_id.startswith("http") else None,
    )


def _language_rank(literal: Literal) -> int:
    """French first, then untagged text, then any other language."""
    language = (literal.language or "").lower()
    if language.startswith("fr"):
        return 0
    return 1 if not language else 2


def _preferred_literals(graph: Graph, node: Node, predicate: URIRef) -> list[Literal]:
    """Non-empty literals of a property, French and untagged ones when there are any."""
    literals = [
        value
        for value in graph.objects(node, predicate)
        if isinstance(value, Literal) and clean(value) is not None
    ]
    literals.sort(key=lambda literal: (_language_rank(literal), str(literal)))
    if literals and _language_rank(literals[0]) < 2:
        return [literal for literal in literals if _language_rank(literal) < 2]
    return literals


def _text(graph: Graph, node: Node, predicate: URIRef) -> str | None:
    """The best single literal of a property (a title, a description)."""
    return first(_preferred_literals(graph, node, predicate))


def _texts(graph: Graph, node: Node, predicate: URIRef) -> tuple[str, ...]:
    """All literals of a property in the preferred languages (keywords)."""
    return unique(_preferred_literals(graph, node, predicate))


def _code(value: Node) -> str | None:
    """A code from a URI's last segment (``.../TopicCategory/biota`` gives ``biota``)."""
    if isinstance(value, URIRef):
        return clean(str(value).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1])
    return clean(value) if isinstance(value, Literal) else None


def _language(value: Node) -> str | None:
    """``fre`` from the EU authority URI ``.../language/FRE``, as ISO records write it."""
    code = _code(value)
    return code.lower() if code is not None and isinstance(value, URIRef) else code


def _label(graph: Graph, node: Node) -> str | None:
    """A node's human label; for a bare URI, its last segment; for a literal, itself."""
    if isinstance(node, Literal):
        return clean(node)
    label = first(_text(graph, node, predicate) for predicate in _LABELS)
    if label is not None or isinstance(node, BNode):
        return label
    return _code(node)


def _spatial_bbox(graph: Graph, location: Node) -> BBox | None:
    """The bbox of a ``dct:spatial`` location, from ``dcat:bbox`` or ``locn:geometry``."""
    if isinstance(location, Literal):
        return bbox_from_geometry(location)
    geometries = [
        value
        for predicate in (DCAT.bbox, LOCN.geometry)
        for value in graph.objects(location, predicate)
    ]
    return first_bbox(bbox_from_geometry(geometry) for geometry in geometries)


def first_bbox(boxes: Iterable[BBox | None]) -> BBox | None:
    """The first bbox that could be read (GML envelopes, for instance, are not)."""
    return next((box for box in boxes if box is not None), None)


def _temporal(graph: Graph, dataset: Node) -> tuple[str | None, str | None]:
    """Start and end of ``dct:temporal``, in DCAT 2 or schema.org terms."""
    periods = list(graph.objects(dataset, DCT.temporal))
    starts = [DCAT.startDate, SCHEMA_HTTP.startDate, SCHEMA_HTTPS.startDate]
    ends = [DCAT.endDate, SCHEMA_HTTP.endDate, SCHEMA_HTTPS.endDate]
    start = first(_text(graph, period, predicate) for period in periods for predicate in starts)
    end = first(_text(graph, period, predicate) for period in periods for predicate in ends)
    return start, end


def _dates(graph: Graph, dataset: Node) -> dict[str, str]:
    """Creation, publication and revision dates under their ISO names."""
    found = {
        "creation": earliest(_texts(graph, dataset, DCT.created)),
        "publication": earliest(_texts(graph, dataset, DCT.issued)),
        "revision": latest(_texts(graph, dataset, DCT.modified)),
    }
    return {kind: value for kind, value in found.items() if value is not None}


def _catalogue_records(graph: Graph, dataset: Node) -> list[Node]:
    """The ``dcat:CatalogRecord`` nodes describing the dataset (they carry the record date)."""
    records = {
        *graph.subjects(FOAF.primaryTopic, dataset),
        *graph.objects(dataset, FOAF.isPrimaryTopicOf),
    }
    return sorted(records, key=str)


def _contacts(graph: Graph, dataset: Node) -> Iterator[Contact]:
    """Contact point, publisher, creator, rights holders and qualified attributions."""
    for node in graph.objects(dataset, DCAT.contactPoint):
        yield _vcard_contact(graph, node, "pointOfContact")
    for predicate, role in (
        (DCT.publisher, "publisher"),
        (DCT.creator, "originator"),
        (DCT.rightsHolder, "owner"),
    ):
        for node in graph.objects(dataset, predicate):
            yield _agent_contact(graph, node, role)
    for attribution in graph.objects(dataset, PROV.qualifiedAttribution):
        attributed_role = first(_code(value) for value in graph.objects(attribution, DCAT.hadRole))
        for agent in graph.objects(attribution, PROV.agent):
            yield _agent_contact(graph, agent, attributed_role)


def _vcard_contact(graph: Graph, node: Node, role: str) -> Contact:
    """A vCard contact; an organisation's ``vcard:fn`` is its name, not a person's."""
    name = _text(graph, node, VCARD.fn)
    organisation = _text(graph, node, VCARD["organization-name"])
    is_organisation = (node, RDF.type, VCARD.Organization) in graph
    address = next(iter(graph.objects(node, VCARD.hasAddress)), None)
    return Contact(
        organisation=organisation or (name if is_organisation else None),
        individual=None if is_organisation else name,
        role=role,
        email=first(
            _vcard_value(graph, value, "mailto:") for value in graph.objects(node, VCARD.hasEmail)
        ),
        phone=first(
            _vcard_value(graph, value, "tel:") for value in graph.objects(node, VCARD.hasTelephone)
        ),
        address=_vcard_address(graph, address) if address is not None else None,
    )


def _vcard_value(graph: Graph, value: Node, scheme: str) -> str | None:
    """An email or phone given as a ``mailto:``/``tel:`` URI, a literal or a node."""
    if isinstance(value, BNode):
        value = next(iter(graph.objects(value, VCARD.hasValue)), value)
    text = clean(value)
    if text is not None and text.lower().startswith(scheme):
        text = clean(text[len(scheme) :])
    return text


def _vcard_address(graph: Graph, address: Node) -> str | None:
    street = _texts(graph, address, VCARD["street-address"])
    place = " ".join(
        unique([_text(graph, address, VCARD["postal-code"]), _text(graph, address, VCARD.locality)])
    )
    return join_address(*street, place, _text(graph, address, VCARD["country-name"]))


def _agent_contact(graph: Graph, agent: Node, role: str | None) -> Contact:
    """A FOAF agent: a person (with the organisation it is a member of) or an organisation."""
    name = first(_text(graph, agent, predicate) for predicate in (FOAF.name, RDFS.label, VCARD.fn))
    is_person = (agent, RDF.type, FOAF.Person) in graph
    member_of = first(
        _text(graph, organisation, FOAF.name) for organisation in graph.objects(agent, ORG.memberOf)
    )
    address = next(iter(graph.objects(agent, LOCN.address)), None)
    return Contact(
        organisation=member_of if is_person else name,
        individual=name if is_person else None,
        role=role,
        email=first(strip_mailto(value) for value in graph.objects(agent, FOAF.mbox)),
        phone=first(strip_mailto(value) for value in graph.objects(agent, FOAF.phone)),
        address=_locn_address(graph, address) if address is not None else None,
    )


def _locn_address(graph: Graph, address: Node) -> str | None:
    place = " ".join(
        unique([_text(graph, address, LOCN.postCode), _text(graph, address, LOCN.postName)])
    )
    return join_address(
        _text(graph, address, LOCN.thoroughfare), place, _text(graph, address, LOCN.adminUnitL1)
    )


def _links(graph: Graph, dataset: Node) -> Iterator[Link]:
    """One link per distribution (download URL preferred), then the landing pages."""
    links = [_distribution_link(graph, node) for node in graph.objects(dataset, DCAT.distribution)]
    yield from sorted(
        (link for link in links if link is not None), key=lambda link: (link.name or "", link.url)
    )
    for page in sorted(graph.objects(dataset, DCAT.landingPage), key=str):
        url = clean(page)
        if url is not None:
            yield Link(url=url, protocol=LANDING_PAGE)


def _distribution_link(graph: Graph, distribution: Node) -> Link | None:
    url = first(
        clean(value)
        for predicate in (DCAT.downloadURL, DCAT.accessURL)
        for value in sorted(graph.objects(distribution, predicate), key=str)
    )
    if url is None:
        return None
    media_types = [
        _media_type(graph, value) for value in graph.objects(distribution, DCAT.mediaType)
    ]
    formats = [_label(graph, value) for value in graph.objects(distribution, DCT["format"])]
    return Link(
        url=url,
        protocol=first([*sorted(filter(None, media_types)), *sorted(filter(None, formats))]),
        name=_text(graph, distribution, DCT.title),
        description=plain_text(_text(graph, distribution, DCT.description)),
    )


def _media_type(graph: Graph, value: Node) -> str | None:
    """``text/csv`` from a literal or from an IANA media-type URI."""
    text = str(value)
    if isinstance(value, URIRef) and _MEDIA_TYPES in text:
        return clean(text.split(_MEDIA_TYPES, 1)[1])
    return _label(graph, value)


def _licences(graph: Graph, dataset: Node) -> list[str]:
    """Licences and rights of the dataset, then of its distributions, as labels or URIs."""
    holders = [dataset, *sorted(graph.objects(dataset, DCAT.distribution), key=str)]
    found: list[str | None] = []
    for predicate in (DCT.license, DCT.rights):
        for holder in holders:
            found.extend(_licence_text(graph, value) for value in graph.objects(holder, predicate))
    # A label reads better than a URI; both are kept among the constraints.
    return sorted(unique(found), key=lambda text: text.startswith("http"))


def _licence_text(graph: Graph, value: Node) -> str | None:
    """A licence's label when the graph gives one, else its URI (which names it well enough)."""
    if isinstance(value, URIRef):
        return first(_text(graph, value, predicate) for predicate in _LABELS) or clean(value)
    return _label(graph, value)


# --- DCAT-US data.json --------------------------------------------------------------------


def _dcat_us_datasets(document: dict[str, Any]) -> list[dict[str, Any]]:
    datasets = document.get("dataset")
    return (
        [item for item in datasets if isinstance(item, dict)] if isinstance(datasets, list) else []
    )


def _strings(value: object) -> list[object]:
    """A JSON value that may be one string or a list of them, as a list."""
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _record_from_dcat_us(item: dict[str, Any]) -> CatalogueRecord:
    """A DCAT-US dataset: keys fixed by the Project Open Data schema v1.1."""
    identifier, title = require_identity(item.get("identifier"), plain_text(item.get("title")))
    temporal = clean(item.get("temporal")) or ""
    start, _, end = temporal.partition("/")
    publisher = _mapping(item.get("publisher"))
    contact_point = _mapping(item.get("contactPoint"))
    licence = plain_text(item.get("license"))
    dates = {
        kind: value
        for kind, value in (
            ("publication", clean(item.get("issued"))),
            ("revision", clean(item.get("modified"))),
        )
        if value is not None
    }
    return CatalogueRecord(
        identifier=identifier,
        title=title,
        standard="dcat",
        abstract=plain_text(item.get("description")) or "",
        resource_type="dataset",
        keywords=unique(_strings(item.get("keyword"))),
        themes=unique(_strings(item.get("theme"))),
        bbox=bbox_from_geometry(item.get("spatial")),
        temporal_start=clean(start),
        temporal_end=clean(end),
        dates=dates,
        contacts=unique_contacts(
            [
                Contact(organisation=clean(publisher.get("name")), role="publisher"),
                Contact(
                    individual=clean(contact_point.get("fn")),
                    email=strip_mailto(contact_point.get("hasEmail")),
                    role="pointOfContact",
                ),
            ]
        ),
        links=unique_links(_dcat_us_links(item)),
        licence=licence,
        constraints=unique([licence, plain_text(item.get("rights"))]),
        language=first(_strings(item.get("language"))),
        record_url=clean(item.get("landingPage")),
    )


def _dcat_us_links(item: dict[str, Any]) -> Iterator[Link]:
    for distribution in _strings(item.get("distribution")):
        entry = _mapping(distribution)
        url = first([entry.get("downloadURL"), entry.get("accessURL")])
        if url is not None:
            yield Link(
                url=url,
                protocol=first([entry.get("mediaType"), entry.get("format")]),
                name=clean(entry.get("title")),
                description=plain_text(entry.get("description")),
            )
