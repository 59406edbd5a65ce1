"""A catalogue record as a document: the text people search, the fields cards show.

The text follows what data stewards describe (what, where, when, who, in which form)
in French, section by section, so that a chunk cites "Étendue" or "Distributions". The
fields that filters and dataset cards need go in ``SourceDocument.metadata``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import datetime

from connectors.base import Section, SkippedDocument, SourceDocument
from connectors.catalogue.record import CatalogueRecord, Contact, Link, ParsedCatalogue
from connectors.text import fold

KIND = "catalogue"

# ISO 19115 topic categories, as the French profile (CNIG) names them.
TOPIC_CATEGORIES = {
    "farming": "agriculture",
    "biota": "flore et faune",
    "boundaries": "limites administratives, frontières",
    "climatologyMeteorologyAtmosphere": "climatologie, météorologie, atmosphère",
    "economy": "économie",
    "elevation": "altitude, relief",
    "environment": "environnement",
    "geoscientificInformation": "informations géoscientifiques, géologie",
    "health": "santé",
    "imageryBaseMapsEarthCover": "imagerie, cartes de base, occupation des terres",
    "intelligenceMilitary": "renseignement, secteur militaire",
    "inlandWaters": "eaux intérieures, hydrographie, rivières",
    "location": "localisation, adresses",
    "oceans": "océans, mer",
    "planningCadastre": "planification, urbanisme, cadastre",
    "society": "société, population",
    "structure": "aménagements, bâtiments, constructions",
    "transportation": "transports, routes",
    "utilitiesCommunication": "réseaux de services publics, énergie, communication",
    "extraTerrestrial": "extraterrestre",
    "disaster": "catastrophes, risques",
}

ROLES = {
    "resourceProvider": "fournisseur",
    "custodian": "gestionnaire",
    "owner": "propriétaire",
    "user": "utilisateur",
    "distributor": "distributeur",
    "originator": "producteur",
    "pointOfContact": "point de contact",
    "principalInvestigator": "responsable scientifique",
    "processor": "opérateur",
    "publisher": "éditeur",
    "author": "auteur",
    "rightsHolder": "détenteur des droits",
    "funder": "financeur",
    "contributor": "contributeur",
}


def record_updated(record: CatalogueRecord) -> str | None:
    """The date a steward reads as "mis à jour": revision, else the record's, else publication."""
    for value in (
        record.dates.get("revision"),
        record.metadata_date,
        record.dates.get("publication"),
        record.dates.get("creation"),
    ):
        if value:
            return value[:10]
    return None


def _line(label: str, values: tuple[str, ...] | list[str]) -> str | None:
    return f"{label} : {' ; '.join(values)}." if values else None


def _contact_line(contact: Contact) -> str:
    parts = [
        contact.organisation,
        contact.individual,
        contact.email,
        contact.phone and f"tél. {contact.phone}",
        contact.address,
    ]
    text = ", ".join(part for part in parts if part)
    role = ROLES.get(contact.role or "", contact.role)
    return f"{text} ({role})" if role else text


def _link_line(link: Link) -> str:
    label = " – ".join(part for part in (link.name, link.description) if part)
    protocol = f"[{link.protocol}] " if link.protocol else ""
    return f"{protocol}{label + ' : ' if label else ''}{link.url}"


def record_sections(record: CatalogueRecord) -> tuple[Section, ...]:
    """The record's text, in French sections a citation can name."""
    topics = [TOPIC_CATEGORIES.get(code, code) for code in record.topic_categories]
    extent: list[str] = []
    if record.bbox:
        west, south, east, north = record.bbox
        extent.append(
            f"Emprise géographique : ouest {west:g}, sud {south:g}, est {east:g}, nord {north:g}."
        )
    if record.temporal_start or record.temporal_end:
        extent.append(
            f"Période couverte : du {record.temporal_start or '?'} au {record.temporal_end or '?'}."
        )
    labels = {"creation": "création", "publication": "publication", "revision": "révision"}
    dates = [f"{labels.get(kind, kind)} {value[:10]}" for kind, value in record.dates.items()]
    if dates:
        extent.append(f"Dates : {', '.join(dates)}.")
    if record.metadata_date:
        extent.append(f"Fiche mise à jour le {record.metadata_date[:10]}.")
    blocks: list[tuple[str, list[str | None]]] = [
        ("Résumé", [record.abstract or None]),
        (
            "Mots-clés et thèmes",
            [
                _line("Thèmes", record.themes),
                _line("Catégories", topics),
                _line("Mots-clés", [k for k in record.keywords if k not in record.themes]),
                record.resource_type and f"Type de ressource : {record.resource_type}.",
            ],
        ),
        ("Généalogie", [record.lineage]),
        ("Étendue", list(extent)),
        ("Organisations et contacts", [_contact_line(c) for c in record.contacts]),
        ("Distributions", [_link_line(link) for link in record.links]),
        (
            "Licence et contraintes",
            [record.licence and f"Licence : {record.licence}.", *record.constraints],
        ),
    ]
    sections = []
    for heading, lines in blocks:
        text = "\n".join(line for line in lines if line)
        if text.strip():
            sections.append(Section(text=text, heading=heading))
    return tuple(sections)


def record_metadata(record: CatalogueRecord) -> dict[str, object]:
    """Payload fields of a record: what a dataset card shows and filters test."""
    organisations = list(dict.fromkeys(c.organisation for c in record.contacts if c.organisation))
    topics = [TOPIC_CATEGORIES.get(code, code) for code in record.topic_categories]
    facets = sorted(
        {
            " ".join(fold(value).split())
            for value in (*record.themes, *record.topic_categories, *topics)
        }
    )
    metadata: dict[str, object] = {
        "record_id": record.identifier,
        "standard": record.standard,
        "resource_type": record.resource_type,
        "organisations": organisations,
        "themes": list(record.themes) or topics,
        "facets": facets,
        "keywords": list(record.keywords[:20]),
        "updated": record_updated(record),
        "temporal_start": record.temporal_start,
        "temporal_end": record.temporal_end,
        "licence": record.licence,
        "record_url": record.record_url,
        "links": [
            {"url": link.url, "protocol": link.protocol, "name": link.name}
            for link in record.links[:20]
        ],
        "abstract": record.abstract[:600],
    }
    if record.bbox:
        west, south, east, north = record.bbox
        metadata.update(
            {
                "bbox": [west, south, east, north],
                "west": west,
                "south": south,
                "east": east,
                "north": north,
            }
        )
    return metadata


def record_document(
    record: CatalogueRecord, *, source_path: str, doc_id: str, modified: datetime
) -> SourceDocument:
    """One record as one document.

    Its hash covers only this record, so editing one record of a file re-indexes it alone.
    """
    digest = hashlib.sha256(
        json.dumps(asdict(record), sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    return SourceDocument(
        doc_id=doc_id,
        source_path=source_path,
        kind=KIND,
        title=record.title,
        sections=record_sections(record),
        content_hash=digest,
        modified=modified,
        file_type=record.standard,
        metadata=record_metadata(record),
    )


def catalogue_documents(
    parsed: ParsedCatalogue, *, source_path: str, modified: datetime
) -> list[SourceDocument | SkippedDocument]:
    """Every record of a file as its own document (id ``path#identifier``).

    Each record that could not be read becomes a skipped entry naming it.
    """
    items: list[SourceDocument | SkippedDocument] = []
    seen: dict[str, int] = {}
    for record in parsed.records:
        count = seen.get(record.identifier, 0)
        seen[record.identifier] = count + 1
        suffix = f"~{count + 1}" if count else ""
        items.append(
            record_document(
                record,
                source_path=source_path,
                doc_id=f"{source_path}#{record.identifier}{suffix}",
                modified=modified,
            )
        )
    for problem in parsed.problems:
        where = problem.where if problem.where.startswith(source_path) else source_path
        items.append(SkippedDocument(where, problem.reason))
    return items
