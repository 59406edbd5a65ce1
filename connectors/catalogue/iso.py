"""ISO 19139 (``gmd:``/``gmi:``) and ISO 19115-3 (``mdb:``) records, alone or in a CSW response.

OWSLib decodes the ISO building blocks (citation, responsible party, online resource,
bounding box, dates). XPath finds what OWSLib 0.35 leaves out or misreads, checked on the
corpus: it keeps only the first bbox, the first ``distributionInfo`` and the first temporal
period (and no ``gml:begin/gml:TimeInstant``); it drops ``gmx:Anchor`` keywords mixed with
text and ``gmx:Anchor`` identifiers; it ignores ``citedResponsibleParty``; for 19115-3 it
looks for the lineage and the temporal extent where that standard does not put them, reads
emails of organisations only and takes the first ``dateInfo`` as the record's date whatever
its type.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from owslib import iso, iso3

from connectors.catalogue.normalise import (
    BBox,
    UnreadableCatalogueError,
    clean,
    collect_records,
    earliest,
    file_problem,
    first,
    join_address,
    latest,
    localname,
    namespace,
    parse_xml,
    plain_text,
    require_identity,
    union_bbox,
    unique,
    unique_contacts,
    unique_links,
    wgs84_bbox,
)
from connectors.catalogue.record import CatalogueRecord, Contact, Link, ParsedCatalogue

GMD = "http://www.isotc211.org/2005/gmd"
GMI = "http://www.isotc211.org/2005/gmi"
MDB = frozenset(
    {
        "http://standards.iso.org/iso/19115/-3/mdb/2.0",
        "http://standards.iso.org/iso/19115/-3/mdb/1.0",
    }
)
CSW = frozenset({"http://www.opengis.net/cat/csw/2.0.2", "http://www.opengis.net/cat/csw/3.0"})
ISO_RECORD_NAMES = frozenset({"MD_Metadata", "MI_Metadata"})
ISO_NAMESPACES = frozenset({GMD, GMI, *MDB})

_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_NS_19139 = {
    "gmd": GMD,
    "gco": "http://www.isotc211.org/2005/gco",
    "gmx": "http://www.isotc211.org/2005/gmx",
    "srv": "http://www.isotc211.org/2005/srv",
}
# A thesaurus of INSPIRE themes: "GEMET - INSPIRE themes, version 1.0",
# "GEMET inspire themes - version 1.0", "Registre de thème INSPIRE"...
_INSPIRE_THESAURUS = re.compile(r"inspire.*th[eè]me|th[eè]me.*inspire", re.I)
_INSPIRE_THEME_URI = "inspire.ec.europa.eu/theme/"
_LICENCE = re.compile(r"licen[cs]e|\bCC[-\s]?BY|\bODbL\b|etalab|creative\s*commons", re.I)
# Only says "see otherConstraints": as a constraint it would tell a reader nothing.
_EMPTY_RESTRICTION = "otherRestrictions"


@dataclass(frozen=True)
class _Dialect:
    """The XPaths that differ between ISO 19139 and ISO 19115-3 for the parts read by hand."""

    standard: str
    namespaces: dict[str, str]
    identification: str
    text: str  # a CharacterString or an Anchor, the two ways ISO writes a string
    keywords: str
    keyword_words: str
    thesaurus_title: str
    bboxes: str
    temporal_extents: str
    resource_parties: str
    metadata_parties: str
    online_resources: str
    lineage: str


def _dialect_19139() -> _Dialect:
    ident = "gmd:identificationInfo/*[1]"
    text = "*[self::gco:CharacterString or self::gmx:Anchor]"
    extent = f"{ident}/*[self::gmd:extent or self::srv:extent]/gmd:EX_Extent"
    return _Dialect(
        standard="iso19139",
        namespaces=_NS_19139,
        identification=ident,
        text=text,
        keywords=f"{ident}/gmd:descriptiveKeywords/gmd:MD_Keywords",
        keyword_words=f"gmd:keyword/{text}",
        thesaurus_title=f"gmd:thesaurusName/gmd:CI_Citation/gmd:title/{text}",
        bboxes=f"{extent}/gmd:geographicElement/gmd:EX_GeographicBoundingBox",
        temporal_extents=f"{extent}/gmd:temporalElement/*/gmd:extent",
        resource_parties=(
            f"{ident}/gmd:pointOfContact/gmd:CI_ResponsibleParty"
            f" | {ident}/gmd:citation/gmd:CI_Citation/gmd:citedResponsibleParty"
            "/gmd:CI_ResponsibleParty"
        ),
        metadata_parties="gmd:contact/gmd:CI_ResponsibleParty",
        online_resources=(
            "gmd:distributionInfo//gmd:CI_OnlineResource"
            f" | {ident}/srv:containsOperations//gmd:CI_OnlineResource"
        ),
        lineage=f"gmd:dataQualityInfo/*/gmd:lineage/gmd:LI_Lineage/gmd:statement/{text}",
    )


def _dialect_19115_3(namespaces: dict[str, str]) -> _Dialect:
    ident = "mdb:identificationInfo/*[1]"
    text = "*[self::gco:CharacterString or self::gcx:Anchor]"
    extent = f"{ident}/mri:extent/gex:EX_Extent"
    return _Dialect(
        standard="iso19115-3",
        namespaces=namespaces,
        identification=ident,
        text=text,
        keywords=f"{ident}/mri:descriptiveKeywords/mri:MD_Keywords",
        keyword_words=f"mri:keyword/{text}",
        thesaurus_title=f"mri:thesaurusName/cit:CI_Citation/cit:title/{text}",
        bboxes=f"{extent}/gex:geographicElement/gex:EX_GeographicBoundingBox",
        temporal_extents=f"{extent}/gex:temporalElement/*/gex:extent",
        resource_parties=(
            f"{ident}/mri:pointOfContact/cit:CI_Responsibility"
            f" | {ident}/mri:citation/cit:CI_Citation/cit:citedResponsibleParty"
            "/cit:CI_Responsibility"
        ),
        metadata_parties="mdb:contact/cit:CI_Responsibility",
        online_resources=(
            "mdb:distributionInfo//cit:CI_OnlineResource"
            f" | {ident}/srv:containsOperations//cit:CI_OnlineResource"
        ),
        lineage=(
            f"mdb:resourceLineage/mrl:LI_Lineage/mrl:statement/{text}"
            f" | mdb:dataQualityInfo/*/mdq:lineage/mrl:LI_Lineage/mrl:statement/{text}"
        ),
    )


def parse_iso(data: bytes, name: str) -> ParsedCatalogue:
    """Every ISO record of a file: one ``MD_Metadata``/``MI_Metadata`` or a CSW response."""
    try:
        root = parse_xml(data)
    except UnreadableCatalogueError as error:
        return file_problem(name, error.message)
    if localname(root) == "ExceptionReport":
        message = first(root.xpath("//*[local-name()='ExceptionText']/text()"))
        return file_problem(name, f"le serveur CSW a répondu par une erreur : {message or '?'}")
    elements = iso_record_elements(root)
    if elements is None:
        return file_problem(
            name, f"ni ISO 19139 ni ISO 19115-3 (élément racine : {localname(root)})"
        )
    if not elements:
        return file_problem(
            name,
            "réponse CSW sans fiche ISO : demander outputSchema="
            "http://www.isotc211.org/2005/gmd (les csw:Record Dublin Core ne sont pas lus)",
        )
    return collect_records(name, elements, parse_iso_element)


def iso_record_elements(root: Any) -> list[Any] | None:
    """The ISO records held by a document, or ``None`` when it is neither ISO nor CSW."""
    if is_iso_record(root):
        return [root]
    if namespace(root) not in CSW:
        return None
    results = [
        child for child in root if _is_element(child) and localname(child) == "SearchResults"
    ]
    containers = [root, *results]
    return [child for parent in containers for child in parent if is_iso_record(child)]


def is_iso_record(element: Any) -> bool:
    """Whether an element is an ISO 19139, 19115-2 or 19115-3 metadata record."""
    return (
        _is_element(element)
        and localname(element) in ISO_RECORD_NAMES
        and namespace(element) in ISO_NAMESPACES
    )


def parse_iso_element(element: Any) -> CatalogueRecord:
    """One ISO record from its ``MD_Metadata`` or ``MI_Metadata`` element.

    A CSW harvester calls this on each element of a GetRecords response.
    Raises :class:`IncompleteRecordError` when the record has no identifier or no title.
    """
    if namespace(element) in MDB:
        return _record_19115_3(element)
    return _record_19139(element)


def _record_19139(element: Any) -> CatalogueRecord:
    """A 19139 record (``gmi:MI_Metadata`` too: it only adds acquisition details)."""
    dialect = _dialect_19139()
    md = iso.MD_Metadata(element)
    ident = md.identification[0] if md.identification else None
    title_anchor = (
        f"{dialect.identification}/gmd:citation/gmd:CI_Citation/gmd:title/gmx:Anchor"
        f" | {dialect.identification}/gmd:citation/gmd:CI_Citation/gmd:title"
        "/gmd:PT_FreeText//gmd:LocalisedCharacterString"
    )
    identifier, title = require_identity(
        first([md.identifier, _text(element, "gmd:fileIdentifier/gmx:Anchor", dialect)]),
        first([getattr(ident, "title", None), _text(element, title_anchor, dialect)]),
    )
    use_limitations = getattr(ident, "uselimitation", [])
    other_constraints = getattr(ident, "otherconstraints", [])
    restrictions = [*getattr(ident, "accessconstraints", []), *getattr(ident, "useconstraints", [])]
    keywords, themes = _keywords_and_themes(element, dialect)
    start, end = _temporal_extent(element, dialect)
    return CatalogueRecord(
        identifier=identifier,
        title=title,
        standard=dialect.standard,
        abstract=plain_text(getattr(ident, "abstract", None)) or "",
        resource_type=first([md.hierarchy, getattr(ident, "identtype", None)]),
        keywords=keywords,
        themes=themes,
        topic_categories=unique(getattr(ident, "topiccategory", [])),
        lineage=first(
            [getattr(md.dataquality, "lineage", None), *_texts(element, dialect.lineage, dialect)]
        ),
        bbox=_bbox(element, dialect, iso.EX_GeographicBoundingBox),
        temporal_start=start,
        temporal_end=end,
        dates=_dates(getattr(ident, "date", [])),
        metadata_date=clean(md.datestamp),
        contacts=_contacts_19139(element, dialect),
        links=_links_19139(element, dialect),
        licence=_licence([*other_constraints, *use_limitations]),
        constraints=_constraints(use_limitations, other_constraints, restrictions),
        language=first([md.languagecode, md.language]),
    )


def _record_19115_3(element: Any) -> CatalogueRecord:
    """A 19115-3 record, in either of the two namespace generations OWSLib knows."""
    md = _owslib_19115_3(element)
    dialect = _dialect_19115_3(md.namespaces)
    ident = md.identification[0] if md.identification else None
    title_anchor = f"{dialect.identification}/mri:citation/cit:CI_Citation/cit:title/gcx:Anchor"
    identifier_anchor = "mdb:metadataIdentifier/mcc:MD_Identifier/mcc:code/gcx:Anchor"
    identifier, title = require_identity(
        first([md.identifier, _text(element, identifier_anchor, dialect)]),
        first([getattr(ident, "title", None), _text(element, title_anchor, dialect)]),
    )
    constraints_path = f"{dialect.identification}/mri:resourceConstraints/*"
    use_limitations = _texts(
        element, f"{constraints_path}/mco:useLimitation/{dialect.text}", dialect
    )
    other_constraints = getattr(ident, "otherconstraints", [])
    restrictions = [*getattr(ident, "accessconstraints", []), *getattr(ident, "useconstraints", [])]
    keywords, themes = _keywords_and_themes(element, dialect)
    start, end = _temporal_extent(element, dialect)
    return CatalogueRecord(
        identifier=identifier,
        title=title,
        standard=dialect.standard,
        abstract=plain_text(getattr(ident, "abstract", None)) or "",
        resource_type=first([md.hierarchy, getattr(ident, "identtype", None)]),
        keywords=keywords,
        themes=themes,
        topic_categories=unique(getattr(ident, "topiccategory", [])),
        lineage=_text(element, dialect.lineage, dialect),
        bbox=_bbox(element, dialect, lambda box: iso3.EX_GeographicBoundingBox(md.namespaces, box)),
        temporal_start=start,
        temporal_end=end,
        dates=_dates(getattr(ident, "date", [])),
        metadata_date=_metadata_date_19115_3(element, dialect, md.datestamp),
        contacts=_contacts_19115_3(element, dialect),
        links=_links_19115_3(element, dialect),
        licence=_licence([*other_constraints, *use_limitations]),
        constraints=_constraints(use_limitations, other_constraints, restrictions),
        language=first([md.languagecode, md.language]),
    )


def _owslib_19115_3(element: Any) -> Any:
    """OWSLib's reading of a 19115-3 record, sparing it the feature catalogue it trips on.

    OWSLib 0.35 calls ``FC_FeatureCatalogue`` with one argument too many when a record
    embeds an ``mrc:MD_FeatureCatalogue`` (GeoNetwork 4 exports do), and fails on the whole
    record. Nothing Boussole keeps lives there, so OWSLib reads a copy without it.
    """
    embedded = "*[local-name()='contentInfo'][*[local-name()='MD_FeatureCatalogue']]"
    if not element.xpath(embedded):
        return iso3.MD_Metadata(element)
    trimmed = copy.deepcopy(element)
    for content_info in trimmed.xpath(embedded):
        trimmed.remove(content_info)
    return iso3.MD_Metadata(trimmed)


def _is_element(node: Any) -> bool:
    """Comments and processing instructions have no tag name; CSW responses may hold them."""
    return isinstance(node.tag, str)


def _string(value: Any) -> str:
    """The text of an XPath result, element or attribute alike."""
    if isinstance(value, str):
        return value
    return "".join(value.itertext())


def _texts(element: Any, path: str, dialect: _Dialect) -> tuple[str, ...]:
    return unique(_string(value) for value in element.xpath(path, namespaces=dialect.namespaces))


def _text(element: Any, path: str, dialect: _Dialect) -> str | None:
    return first(_texts(element, path, dialect))


def _keywords_and_themes(
    element: Any, dialect: _Dialect
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """All keywords, and among them the INSPIRE themes.

    A theme is a keyword of an INSPIRE themes thesaurus, or an Anchor to the INSPIRE theme
    register; it stays among the keywords too, since that is how it was written.
    """
    keywords: list[str] = []
    themes: list[str] = []
    for group in element.xpath(dialect.keywords, namespaces=dialect.namespaces):
        thesaurus = _text(group, dialect.thesaurus_title, dialect) or ""
        inspire_group = bool(_INSPIRE_THESAURUS.search(thesaurus))
        for word in group.xpath(dialect.keyword_words, namespaces=dialect.namespaces):
            text = clean(_string(word))
            if text is None:
                continue
            keywords.append(text)
            if inspire_group or _INSPIRE_THEME_URI in (word.get(_XLINK_HREF) or ""):
                themes.append(text)
    return unique(keywords), unique(themes)


def _bbox(element: Any, dialect: _Dialect, decode: Callable[[Any], Any]) -> BBox | None:
    """The box around every geographic bbox of the record, each decoded by OWSLib."""
    boxes = []
    for found in element.xpath(dialect.bboxes, namespaces=dialect.namespaces):
        box = decode(found)
        boxes.append(wgs84_bbox(box.minx, box.miny, box.maxx, box.maxy))
    return union_bbox(boxes)


def _temporal_extent(element: Any, dialect: _Dialect) -> tuple[str | None, str | None]:
    """Earliest start and latest end over every period or instant, GML 3.1 or 3.2 alike."""
    starts: list[str] = []
    ends: list[str] = []
    for extent in element.xpath(dialect.temporal_extents, namespaces=dialect.namespaces):
        for period in extent.xpath("*[local-name()='TimePeriod']"):
            starts.extend(_gml_positions(period, "begin"))
            ends.extend(_gml_positions(period, "end"))
        instants = extent.xpath("*[local-name()='TimeInstant']/*[local-name()='timePosition']")
        positions = [_string(instant) for instant in instants]
        starts.extend(positions)
        ends.extend(positions)
    return earliest(starts), latest(ends)


def _gml_positions(period: Any, side: str) -> list[str]:
    """``gml:beginPosition`` or ``gml:begin/gml:TimeInstant/gml:timePosition`` (and end)."""
    path = (
        f"*[local-name()='{side}Position']"
        f" | *[local-name()='{side}']//*[local-name()='timePosition']"
    )
    return [_string(found) for found in period.xpath(path)]


def _dates(ci_dates: Iterable[Any]) -> dict[str, str]:
    """Resource dates by type; the first date of each type wins, as in the record."""
    dates: dict[str, str] = {}
    for ci_date in ci_dates:
        kind, value = clean(ci_date.type), clean(ci_date.date)
        if kind and value:
            dates.setdefault(kind, value)
    return dates


def _metadata_date_19115_3(element: Any, dialect: _Dialect, owslib_date: object) -> str | None:
    """The record's revision date, else its creation date: 19115-3 lists several."""
    dated = (
        "mdb:dateInfo/cit:CI_Date[cit:dateType/cit:CI_DateTypeCode/@codeListValue='{}']/cit:date/*"
    )
    return first(
        [
            _text(element, dated.format("revision"), dialect),
            _text(element, dated.format("creation"), dialect),
            owslib_date,
            _text(element, "mdb:dateInfo/cit:CI_Date/cit:date/*", dialect),
        ]
    )


def _contact(party: Any) -> Contact:
    """A contact from OWSLib's responsible party (both ISO flavours share attribute names)."""
    place = " ".join(unique([party.postcode, party.city]))
    return Contact(
        organisation=clean(party.organization),
        individual=clean(party.name),
        role=clean(party.role),
        email=clean(party.email),
        phone=clean(party.phone),
        address=join_address(party.address, place, party.country),
    )


def _parties(element: Any, dialect: _Dialect) -> list[Any]:
    """Resource contacts first (who to ask about the data), then the record's own contact."""
    found = element.xpath(dialect.resource_parties, namespaces=dialect.namespaces)
    return [*found, *element.xpath(dialect.metadata_parties, namespaces=dialect.namespaces)]


def _contacts_19139(element: Any, dialect: _Dialect) -> tuple[Contact, ...]:
    return unique_contacts(
        _contact(iso.CI_ResponsibleParty(party)) for party in _parties(element, dialect)
    )


def _contacts_19115_3(element: Any, dialect: _Dialect) -> tuple[Contact, ...]:
    """OWSLib reads email, phone and address of an organisation only, not of an individual."""
    contacts = []
    for party in _parties(element, dialect):
        contact = _contact(iso3.CI_Responsibility(dialect.namespaces, party))
        details = ".//cit:contactInfo/cit:CI_Contact"
        contacts.append(
            replace(
                contact,
                organisation=contact.organisation
                or _text(party, f"cit:party/cit:CI_Organisation/cit:name/{dialect.text}", dialect),
                email=contact.email
                or _text(party, f"{details}/cit:address/*/cit:electronicMailAddress/*", dialect),
                phone=contact.phone
                or _text(party, f"{details}/cit:phone/cit:CI_Telephone/cit:number/*", dialect),
            )
        )
    return unique_contacts(contacts)


def _link(resource: Any, description: str | None = None) -> Link | None:
    url = clean(resource.url)
    if url is None:
        return None
    return Link(
        url=url,
        protocol=clean(resource.protocol),
        name=clean(resource.name),
        description=clean(resource.description) or description,
    )


def _links_19139(element: Any, dialect: _Dialect) -> tuple[Link, ...]:
    """OWSLib overwrites a ``gmx:Anchor`` description with the (absent) CharacterString one."""
    links = []
    for found in element.xpath(dialect.online_resources, namespaces=dialect.namespaces):
        anchor = _text(found, "gmd:description/gmx:Anchor", dialect)
        links.append(_link(iso.CI_OnlineResource(found), anchor))
    return unique_links(link for link in links if link is not None)


def _links_19115_3(element: Any, dialect: _Dialect) -> tuple[Link, ...]:
    links = (
        _link(iso3.CI_OnlineResource(dialect.namespaces, found))
        for found in element.xpath(dialect.online_resources, namespaces=dialect.namespaces)
    )
    return unique_links(link for link in links if link is not None)


def _licence(texts: Iterable[object]) -> str | None:
    """The first constraint that names a licence (Licence Ouverte, CC-BY, ODbL...)."""
    return first(text for text in unique(texts) if _LICENCE.search(text))


def _constraints(
    use_limitations: Iterable[object],
    other_constraints: Iterable[object],
    restrictions: Iterable[object],
) -> tuple[str, ...]:
    """Use limitations, other constraints and restriction codes, as written."""
    codes = [code for code in unique(restrictions) if code != _EMPTY_RESTRICTION]
    return unique([*use_limitations, *other_constraints, *codes])
