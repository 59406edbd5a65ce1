"""The YAML data dictionary kept beside the warehouse: who owns a table, how fresh it is.

Its fields win over the database's comments::

    tables:
      aides_sociales.versements:
        description: "Versements des aides sociales, un par bénéficiaire et par mois"
        proprietaire: "Direction de la protection sociale (DPASS)"
        gestionnaire: "Service des systèmes d'information sociaux"
        application_source: SIAS
        frequence: quotidienne
        sensibilite: sensible          # sensible | normale
        fiche_catalogue: ps-dsin-2023-limites-communes   # a catalogue record (id or title)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from connectors.errors import SourceError
from connectors.safe_files import UnsafeFile, read_file

FIELDS = {
    "description": "description",
    "proprietaire": "owner",
    "gestionnaire": "steward",
    "application_source": "source_application",
    "frequence": "frequency",
    "fiche_catalogue": "catalogue_record",
}
SENSITIVITY = ("sensible", "normale")


@dataclass(frozen=True)
class DictionaryEntry:
    """What the dictionary says of one table (None where it says nothing)."""

    description: str | None = None
    owner: str | None = None
    steward: str | None = None
    source_application: str | None = None
    frequency: str | None = None
    sensitive: bool = False
    catalogue_record: str | None = None


def load_dictionary(path: Path) -> dict[str, DictionaryEntry]:
    """Entries by "schema.table"; a file that cannot be used names the entry and field."""
    try:
        # Inside its own folder, a regular file: a link out or a pipe is refused, not read.
        read = read_file(path, [path.parent], folder="dossier du dictionnaire")
        data = yaml.safe_load(read.data.decode("utf-8"))
    except UnsafeFile as exc:
        raise SourceError(f"{path} : dictionnaire de données refusé ({exc.reason}).") from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SourceError(f"{path} : dictionnaire de données illisible ({exc}).") from exc
    tables = data.get("tables") if isinstance(data, dict) else None
    if not isinstance(tables, dict):
        raise SourceError(f"{path} : attendu « tables: {{schema.table: {{…}}}} ».")
    entries = {}
    for name, fields in tables.items():
        where = f"{path}, table « {name} »"
        if not isinstance(name, str) or name.count(".") != 1:
            raise SourceError(f"{where} : le nom doit être « schema.table ».")
        entries[name.strip().lower()] = _entry(fields or {}, where)
    return entries


def _entry(fields: Any, where: str) -> DictionaryEntry:
    if not isinstance(fields, dict):
        raise SourceError(f"{where} : attendu des champs « clé: valeur ».")
    unknown = sorted(set(fields) - set(FIELDS) - {"sensibilite"})
    if unknown:
        raise SourceError(
            f"{where} : champ(s) inconnu(s) {', '.join(map(str, unknown))} "
            f"(connus : {', '.join([*FIELDS, 'sensibilite'])})."
        )
    values: dict[str, Any] = {}
    for key, attribute in FIELDS.items():
        value = fields.get(key)
        if value is not None and not isinstance(value, str | int | float):
            raise SourceError(f"{where} : « {key} » doit être un texte.")
        values[attribute] = str(value).strip() if value is not None else None
    sensitivity = str(fields.get("sensibilite") or "normale").strip().lower()
    if sensitivity not in SENSITIVITY:
        raise SourceError(
            f"{where} : « sensibilite » vaut sensible ou normale, pas « {sensitivity} »."
        )
    return DictionaryEntry(**values, sensitive=sensitivity == "sensible")
