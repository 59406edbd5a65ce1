"""A warehouse table as a document: what it holds, its columns and keys, who owns it.

One document per table or view, ``source_path`` "<source>/<schema>.<table>". Its text is
the description (the dictionary's, else the database comment), the columns with their
comments, the keys and the dictionary's fields, so a need described in everyday words finds
it. The card fields go in the payload under ``table``; the planner's row estimate and the
last analyse go under ``freshness``, which changes without the table changing (kept out of
the document's version: a weekly analyse re-embeds nothing).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict
from datetime import UTC, datetime

from connectors.base import Section, SourceDocument
from connectors.warehouse.dictionary import DictionaryEntry
from connectors.warehouse.postgres import Table

KIND = "warehouse"
FILE_TYPE = "postgresql"


def table_document(source: str, table: Table, entry: DictionaryEntry | None) -> SourceDocument:
    """The document of one table, the dictionary's fields over the database's comments."""
    entry = entry or DictionaryEntry()
    description = entry.description or (table.comment or "").strip() or None
    kind_label = "Vue" if table.kind == "vue" else "Table"
    title = f"{table.qualified} — {description}" if description else table.qualified
    lines = [f"{kind_label} {table.qualified} de l'entrepôt de données."]
    if description:
        lines.append(description)
    sections = [Section("\n".join(lines), heading=title)]
    columns = [
        f"- {column.name} ({column.type}{', clé' if column.name in table.primary_key else ''})"
        + (f" : {column.comment}" if column.comment else "")
        for column in table.columns
    ]
    if columns:
        sections.append(Section("\n".join(columns), heading=f"{title} › Colonnes"))
    keys = []
    if table.primary_key:
        keys.append(f"Clé primaire : {', '.join(table.primary_key)}.")
    keys += [
        f"Lien : {', '.join(fk.columns)} vers {fk.target} ({', '.join(fk.target_columns)})."
        for fk in table.foreign_keys
    ]
    about = [
        f"{label} : {value}."
        for label, value in (
            ("Propriétaire", entry.owner),
            ("Gestionnaire", entry.steward),
            ("Application source", entry.source_application),
            ("Fréquence de mise à jour", entry.frequency),
            ("Fiche du catalogue", entry.catalogue_record),
        )
        if value
    ]
    if entry.sensitive:
        about.append("Données sensibles : accès restreint.")
    if keys or about:
        sections.append(Section("\n".join(keys + about), heading=f"{title} › Fiche"))
    card = {
        "schema": table.schema,
        "name": table.name,
        "type": table.kind,
        "description": description,
        "columns": [asdict(column) for column in table.columns],
        "primary_key": list(table.primary_key),
        "foreign_keys": [asdict(fk) for fk in table.foreign_keys],
        "owner": entry.owner,
        "steward": entry.steward,
        "source_application": entry.source_application,
        "frequency": entry.frequency,
        "sensitive": entry.sensitive,
        "catalogue_record": entry.catalogue_record,
    }
    content = json.dumps(card, sort_keys=True, ensure_ascii=False, default=list)
    return SourceDocument(
        doc_id=f"{source}/{table.qualified}",
        source_path=f"{source}/{table.qualified}",
        kind=KIND,
        title=title,
        sections=tuple(sections),
        content_hash=hashlib.sha256(content.encode()).hexdigest(),
        modified=table.analysed or datetime.now(UTC),
        file_type=FILE_TYPE,
        metadata={
            "table": card,
            "sensitive": entry.sensitive,
            "freshness": {
                "rows_estimate": table.rows_estimate,
                "analysed": table.analysed.isoformat(timespec="seconds")
                if table.analysed
                else None,
            },
        },
    )


def warehouse_documents(
    source: str, tables: Iterable[Table], dictionary: Mapping[str, DictionaryEntry]
) -> Iterator[SourceDocument]:
    """The documents of every table, with the dictionary's entry where it has one."""
    for table in tables:
        yield table_document(source, table, dictionary.get(table.qualified.lower()))


def mismatches(tables: Iterable[Table], dictionary: Mapping[str, DictionaryEntry]) -> list[str]:
    """What the dictionary and the database disagree on, for the run's notices."""
    present = {table.qualified.lower() for table in tables}
    missing = sorted(set(dictionary) - present)
    undocumented = sorted(present - set(dictionary))
    notices = [
        f"dictionnaire : « {name} » n'existe pas dans l'entrepôt (table supprimée ou renommée ?)"
        for name in missing
    ]
    if dictionary and undocumented:
        shown = ", ".join(undocumented[:10]) + (" …" if len(undocumented) > 10 else "")
        notices.append(
            f"entrepôt : {len(undocumented)} table(s) sans fiche dans le dictionnaire : {shown}"
        )
    return notices
