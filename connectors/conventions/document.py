"""A convention document as the DPO queries it: the register's row joined to the text.

The files connector reads a convention like any document; this step adds what the DPO
searches and filters by (parties, datasets, dates, purpose, legal basis...) to its payload.
Register fields win; the text fills the gaps, each such field keeping the page that states
it. A document with a register row also gets a first section, the register's card, so a
question such as "les conventions avec la CAFAT" finds it by its parties and datasets.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from connectors.base import Section, SkippedDocument, SourceDocument, UnchangedFile
from connectors.conventions.extract import ExtractedField, extract_fields
from connectors.conventions.register import Convention, Register
from connectors.text import fold

KIND = "convention"
Item = SourceDocument | SkippedDocument | UnchangedFile
CARD_HEADING = "Fiche du registre des conventions"

# Field name in payloads and reports -> label on the register card.
TEXT_FIELDS = {
    "finalite": "Finalité",
    "base_legale": "Base légale",
    "categories_de_donnees": "Catégories de données",
    "destinataires": "Destinataires",
    "duree_conservation": "Durée de conservation",
    "securite": "Sécurité",
    "duree": "Durée",
}


def key(value: str) -> str:
    """How a party or dataset name is matched: folded, single-spaced."""
    return " ".join(fold(value).split())


def _day(value: Any) -> str | None:
    return value.isoformat() if value else None


def convention_fields(
    convention: Convention | None, extracted: dict[str, ExtractedField]
) -> dict[str, Any]:
    """Each DPO field with its value and where it comes from: the register or a page."""
    from_register: dict[str, Any] = {}
    if convention is not None:
        from_register = {
            "parties": list(convention.parties),
            "jeux_de_donnees": list(convention.datasets),
            "finalite": convention.purpose,
            "base_legale": convention.legal_basis,
            "categories_de_donnees": " ; ".join(convention.data_categories) or None,
            "destinataires": " ; ".join(convention.recipients) or None,
            "duree_conservation": convention.retention,
            "signature": _day(convention.signed),
            "duree": f"{convention.duration_months} mois" if convention.duration_months else None,
        }
    fields: dict[str, Any] = {}
    for name in ("parties", "jeux_de_donnees", "signature", *TEXT_FIELDS):
        value = from_register.get(name)
        if value:
            fields[name] = {"valeur": value, "source": "registre", "page": None}
        elif name in extracted:
            found = extracted[name]
            text_value: Any = found.value
            if name == "parties":
                text_value = [part.strip() for part in found.value.split(";") if part.strip()]
            fields[name] = {"valeur": text_value, "source": "texte", "page": found.page}
    return fields


def register_card(convention: Convention) -> str:
    """The register's row as a short French text, indexed as the document's first section."""
    lines = [f"Convention {convention.id} : {convention.title}."]
    if convention.parties:
        lines.append(f"Parties : {', '.join(convention.parties)}.")
    if convention.datasets:
        lines.append(f"Jeux de données échangés : {', '.join(convention.datasets)}.")
    for label, value in (
        ("Finalité", convention.purpose),
        ("Base légale", convention.legal_basis),
        ("Catégories de données", ", ".join(convention.data_categories)),
        ("Destinataires", ", ".join(convention.recipients)),
        ("Durée de conservation", convention.retention),
    ):
        if value:
            lines.append(f"{label} : {value}.")
    dates = []
    if convention.signed:
        dates.append(f"signée le {convention.signed:%d/%m/%Y}")
    if convention.start:
        dates.append(f"en vigueur du {convention.start:%d/%m/%Y}")
    end = convention.effective_end
    dates.append(f"jusqu'au {end:%d/%m/%Y}" if end else "sans date de fin")
    if convention.renewal:
        dates.append(f"renouvellement {convention.renewal}")
    lines.append("Dates : " + ", ".join(dates) + ".")
    return "\n".join(lines)


class ConventionEnricher:
    """Join the documents of an indexing run to the register's rows.

    ``index_root`` is the folder being indexed; a row's file is matched to the document
    whose path, relative to that folder, is the same file. Rows whose file lies outside the
    folder are not part of this run.
    """

    def __init__(self, register: Register | None, register_root: Path, index_root: Path) -> None:
        self.register = register
        self._rows: dict[str, Convention] = {}
        base = index_root.resolve()
        for convention in register.conventions if register else ():
            if not convention.file:
                continue
            target = (register_root / convention.file).resolve()
            if target.is_relative_to(base):
                doc_id = unicodedata.normalize("NFC", target.relative_to(base).as_posix())
                self._rows[doc_id] = convention
        self.without_row: list[str] = []  # convention documents no row names

    def enrich(self, document: SourceDocument) -> SourceDocument:
        """The document with its convention fields; other documents are returned as they are."""
        convention = self._rows.get(document.doc_id)
        if convention is None and document.kind != KIND:
            return document
        if convention is None and self.register is not None:
            self.without_row.append(document.source_path)
        fields = convention_fields(convention, extract_fields(document.sections))
        parties = fields.get("parties", {}).get("valeur", [])
        datasets = fields.get("jeux_de_donnees", {}).get("valeur", [])
        metadata: dict[str, Any] = {
            "convention": {
                "id": convention.id if convention else None,
                "titre": convention.title if convention else document.title,
                "debut": _day(convention.start) if convention else None,
                "fin": _day(convention.effective_end) if convention else None,
                "renouvellement": convention.renewal if convention else None,
                "statut_declare": convention.status if convention else None,
                "champs": fields,
            },
            "party_keys": sorted({key(party) for party in parties}),
            "dataset_keys": sorted({key(dataset) for dataset in datasets}),
        }
        end = convention.effective_end if convention else None
        if end:
            metadata["ends_on"] = end.isoformat()
        sections = document.sections
        if convention is not None:
            sections = (Section(register_card(convention), CARD_HEADING), *sections)
        # The stored version covers the metadata: a register edit re-indexes the document.
        return replace(
            document,
            kind=KIND,
            title=convention.title if convention else document.title,
            sections=sections,
            metadata={**document.metadata, **metadata},
        )

    def row(self, doc_id: str) -> Convention | None:
        """The register's row for a document, if it has one."""
        return self._rows.get(doc_id)

    def documents(self, items: Iterable[Item]) -> Iterator[Item]:
        """Enrich a stream of documents; skipped and unchanged files pass through."""
        for item in items:
            yield self.enrich(item) if isinstance(item, SourceDocument) else item

    def notices(self) -> list[str]:
        """What the DPO should fix: register problems and convention files with no row."""
        notes = [
            f"registre : {problem.where} : {problem.reason}"
            for problem in (self.register.problems if self.register else [])
        ]
        notes.extend(
            f"registre : {path} n'a pas de ligne dans le registre des conventions"
            for path in sorted(self.without_row)
        )
        return notes
