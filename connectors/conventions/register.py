"""The register of data-exchange conventions: one row per agreement, kept by the DPO.

A YAML or CSV file (French keys: ``titre``, ``parties``, ``fin``...). Register fields are
authoritative; what a convention's text says only fills the gaps. Problems (a bad date, a
file that does not exist) are reported by row and field; the other rows are kept.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from connectors.errors import SourceError
from connectors.safe_files import UnsafeFile, check_file, read_file
from connectors.text import fold

STATUSES = ("en vigueur", "expirée", "résiliée", "en projet")
RENEWALS = ("tacite", "expresse", "aucun")
LIST_FIELDS = ("parties", "jeux_de_donnees", "categories_de_donnees", "destinataires")


@dataclass(frozen=True)
class Convention:
    """One agreement as the register states it."""

    id: str
    title: str
    file: str | None = None  # path relative to the indexed root, as citations give it
    parties: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    purpose: str | None = None
    legal_basis: str | None = None
    data_categories: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    retention: str | None = None
    signed: date | None = None
    start: date | None = None
    end: date | None = None
    duration_months: int | None = None
    renewal: str | None = None
    status: str | None = None
    evidence: dict[str, int] = field(default_factory=dict)  # field -> page stating it

    @property
    def effective_end(self) -> date | None:
        """The end date, or start plus duration; None when the agreement is open-ended."""
        if self.end:
            return self.end
        if self.start and self.duration_months:
            return add_months(self.start, self.duration_months) - timedelta(days=1)
        return None

    def status_on(self, today: date) -> str:
        """The status on a given day: a stated "résiliée" or "en projet" wins over dates."""
        if self.status in ("résiliée", "en projet"):
            return self.status
        end = self.effective_end
        if end is not None and end < today and self.renewal != "tacite":
            return "expirée"
        return "en vigueur"

    def expires_within(self, today: date, days: int) -> bool:
        """True when it ends between today and ``days`` days from now.

        Tacit renewals count too: the DPO must decide before they roll over.
        """
        end = self.effective_end
        return end is not None and 0 <= (end - today).days <= days  # no date past 9999


@dataclass(frozen=True)
class RegisterProblem:
    """A row or field that could not be used, with a reason in French."""

    where: str
    reason: str


@dataclass
class Register:
    """The conventions of a register file, and what was wrong in it."""

    conventions: list[Convention]
    problems: list[RegisterProblem]

    def select(
        self,
        *,
        today: date,
        expiring_within: int | None = None,
        party: str | None = None,
        dataset: str | None = None,
        status: str | None = None,
    ) -> list[Convention]:
        """Conventions matching every given filter, soonest end first, open-ended last.

        Party and dataset match as accent- and case-insensitive substrings.
        """
        chosen = []
        for convention in self.conventions:
            if expiring_within is not None and not convention.expires_within(
                today, expiring_within
            ):
                continue
            if party and not _mentions(convention.parties, party):
                continue
            if dataset and not _mentions(convention.datasets, dataset):
                continue
            if status and fold(convention.status_on(today)) != fold(status):
                continue
            chosen.append(convention)
        return sorted(chosen, key=lambda c: (c.effective_end is None, c.effective_end or date.max))


def _mentions(values: Sequence[str], wanted: str) -> bool:
    needle = fold(wanted).strip()
    return any(needle in fold(value) for value in values)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (clamped to the month's last day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


# Five digits at most: a longer number is no duration (and int() refuses 4,300 digits).
_DURATION = re.compile(r"(?<!\d)(\d{1,5})\s*(ans?|années?|mois)", re.IGNORECASE)
# A page number of ``preuves``; "²" is a digit to str.isdigit() but not to int().
_PAGE = re.compile(r"[0-9]{1,6}")


def parse_duration(text: str) -> int | None:
    """Months in "3 ans", "36 mois", "1 an et 6 mois"; None when none is stated."""
    months = 0
    for number, unit in _DURATION.findall(text):
        months += int(number) * (1 if unit.lower().startswith("mois") else 12)
    return months or None


def load_register(path: Path, root: Path | None = None) -> Register:
    """Read a YAML or CSV register; ``root`` (the indexed folder) checks each ``fichier``."""
    try:
        text = read_file(path, [path.parent], folder="dossier du registre").data.decode("utf-8-sig")
    except UnsafeFile as error:
        raise SourceError(
            f"Registre des conventions illisible : {path} ({error.reason})"
        ) from error
    except OSError as error:
        raise SourceError(f"Registre des conventions illisible : {path} ({error})") from error
    except UnicodeDecodeError as error:
        raise SourceError(
            f"Registre des conventions illisible : {path} n'est pas encodé en UTF-8 (octet "
            f"invalide à la position {error.start}) ; réenregistrez-le en UTF-8."
        ) from error
    rows: Any
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(text))
        try:
            rows = list(reader)
        except csv.Error as error:
            raise SourceError(
                f"{path} n'est pas un CSV lisible (ligne {reader.line_num}) : {error}"
            ) from error
    else:
        try:
            # Every scalar as text: a malformed date must be a problem on its row, not a
            # loader error that loses the whole register.
            data = yaml.load(text, Loader=yaml.BaseLoader) or {}
        except yaml.YAMLError as error:
            raise SourceError(f"{path} n'est pas du YAML valide : {error}") from error
        except RecursionError as error:
            raise SourceError(
                f"{path} n'est pas du YAML valide : listes ou tables imbriquées trop profondément"
            ) from error
        rows = data.get("conventions") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise SourceError(f"{path} : une liste « conventions: » est attendue.")
    register = Register(conventions=[], problems=[])
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        where = f"{path.name}, convention n° {number}"
        if not isinstance(row, dict):
            register.problems.append(RegisterProblem(where, "ligne illisible"))
            continue
        convention, problems = _convention(row, where)
        register.problems.extend(problems)
        if convention is None:
            continue
        if convention.id in seen:
            register.problems.append(
                RegisterProblem(where, f"identifiant en double : {convention.id}")
            )
            continue
        seen.add(convention.id)
        problem = _file_problem(root, convention.file) if root is not None else None
        if problem is not None:
            register.problems.append(RegisterProblem(f"{where} ({convention.id})", problem))
        register.conventions.append(convention)
    return register


def _file_problem(root: Path, file: str | None) -> str | None:
    """Why a row's ``fichier`` cannot be read inside ``root``; None when it can (or is unset)."""
    if not file:
        return None
    try:
        check_file(root / file, [root], "dossier des conventions")
    except UnsafeFile as error:
        return f"fichier refusé : {file} ({error.reason})"
    except (OSError, ValueError):  # missing, unreadable, a NUL byte in the name
        return f"fichier introuvable : {file}"
    return None


def files_without_row(register: Register, files: Iterable[str]) -> list[str]:
    """Convention files of the corpus that no register row names."""
    named = {convention.file for convention in register.conventions if convention.file}
    return sorted(file for file in files if file not in named)


def _delimiter(text: str) -> str:
    header = text.splitlines()[0] if text else ""
    return ";" if header.count(";") > header.count(",") else ","


def _convention(row: dict[str, Any], where: str) -> tuple[Convention | None, list[RegisterProblem]]:
    problems: list[RegisterProblem] = []

    def value_of(key: str) -> Any:
        value = row.get(key)
        if isinstance(value, str) and value.strip().lower() in ("", "null", "~", "none"):
            return None
        return value

    def text(key: str) -> str | None:
        value = value_of(key)
        if value is None:
            return None
        value = " ".join(str(value).split())
        return value or None

    def items(key: str) -> tuple[str, ...]:
        value = value_of(key)
        if value is None:
            return ()
        values = value if isinstance(value, list) else str(value).split(";")
        return tuple(" ".join(str(v).split()) for v in values if str(v).strip())

    def day(key: str) -> date | None:
        value = value_of(key)
        if value is None:
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            problems.append(
                RegisterProblem(where, f"« {key} » : date invalide « {value} » (AAAA-MM-JJ)")
            )
            return None

    identifier, title = text("id"), text("titre")
    if not identifier or not title:
        missing = "id" if not identifier else "titre"
        return None, [RegisterProblem(where, f"champ « {missing} » manquant : ligne ignorée")]
    renewal, status = text("renouvellement"), text("statut")
    if renewal and renewal not in RENEWALS:
        problems.append(RegisterProblem(where, f"« renouvellement » inconnu : {renewal}"))
        renewal = None
    if status and status not in STATUSES:
        problems.append(RegisterProblem(where, f"« statut » inconnu : {status}"))
        status = None
    duration = text("duree")
    evidence = value_of("preuves") or {}
    convention = Convention(
        id=identifier,
        title=title,
        file=text("fichier"),
        parties=items("parties"),
        datasets=items("jeux_de_donnees"),
        purpose=text("finalite"),
        legal_basis=text("base_legale"),
        data_categories=items("categories_de_donnees"),
        recipients=items("destinataires"),
        retention=text("duree_conservation"),
        signed=day("signature"),
        start=day("debut"),
        end=day("fin"),
        duration_months=parse_duration(duration) if duration else None,
        renewal=renewal,
        status=status,
        evidence={str(k): int(v) for k, v in evidence.items() if _PAGE.fullmatch(str(v))}
        if isinstance(evidence, dict)
        else {},
    )
    if convention.end and convention.start and convention.end < convention.start:
        problems.append(RegisterProblem(where, "« fin » antérieure à « debut »"))
    if convention.start and convention.duration_months:
        try:
            add_months(convention.start, convention.duration_months)
        except ValueError:
            problems.append(
                RegisterProblem(
                    where, f"« duree » invalide : {duration} après le « debut » dépasse l'an 9999"
                )
            )
            convention = replace(convention, duration_months=None)
    return convention, problems


def convention_row(convention: Convention, today: date) -> dict[str, Any]:
    """A convention as the DPO reads it (CLI table, JSON, API, expiry report)."""
    end = convention.effective_end
    return {
        "id": convention.id,
        "titre": convention.title,
        "parties": list(convention.parties),
        "jeux_de_donnees": list(convention.datasets),
        "finalite": convention.purpose,
        "base_legale": convention.legal_basis,
        "debut": convention.start.isoformat() if convention.start else None,
        "fin": end.isoformat() if end else None,
        "jours_restants": (end - today).days if end else None,
        "renouvellement": convention.renewal,
        "statut": convention.status_on(today),
        "fichier": convention.file,
    }
