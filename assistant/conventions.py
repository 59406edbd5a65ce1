"""Convention search for the DPO: a question in, conventions with their register fields out.

"Quelles conventions avec la CAFAT expirent avant mars ?" names a party and a date: they
become filters on the indexed conventions' fields (parties, datasets, end date), so the
answer lists the CAFAT agreements ending before March rather than passages that merely say
"CAFAT" or "mars". A question that names nothing is searched as it is. When the filters
leave nothing, the search runs again without them and says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from assistant.links import CatalogueLinks, RecordLink
from assistant.search import Hit, SearchService
from assistant.settings import SearchMode
from connectors.conventions.document import KIND, key
from connectors.conventions.register import add_months
from connectors.text import fold
from indexing.store import SearchFilters

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("janvier", "janv"),
            ("fevrier", "fevr", "fev"),
            ("mars",),
            ("avril", "avr"),
            ("mai",),
            ("juin",),
            ("juillet", "juil"),
            ("aout",),
            ("septembre",),
            ("octobre", "oct"),
            ("novembre", "nov"),
            ("decembre", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?"
_YEAR = r"(?P<year>20\d\d)"
# Words that make a date in the question about the end of agreements.
_ENDING = re.compile(
    r"expir|echea?n|echu|se termin|prend\w* fin|arriv\w* (?:a )?(?:son |leur )?terme|"
    r"renouvel|caduc|fin de validite|valable|en fin de|finiss"
)
_PAST = re.compile(r"\b(?:deja expir|ont expire|sont expire|expirees?\b|perimees?\b|echues?\b)")
_DATE_NUMERIC = re.compile(r"\b(?P<day>\d{1,2})[/.-](?P<month>\d{1,2})[/.-](?P<year>\d{4})\b")
_DATE_ISO = re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b")
_DATE_WORDS = re.compile(rf"\b(?:(?P<day>\d{{1,2}})(?:er)?\s+)?{_MONTH}(?:\s+{_YEAR})?")
_WITHIN = re.compile(
    r"\b(?:dans|d'ici|sous|avant|au cours des?|durant|pendant)\s+(?:les?\s+)?"
    r"(?P<n>\d+)\s*(?P<unit>jours?|j\b|semaines?|mois|ans?|annees?)"
)
_BEFORE = re.compile(r"\b(?:avant|d'ici|jusqu'(?:a|au|en)|au plus tard|d'ici a|d'ici au)\b")
_YEAR_ONLY = re.compile(rf"\b(?:en|pour|courant|fin|durant|d'ici|avant)\s+(?:l'annee\s+)?{_YEAR}\b")


# A question that asks for a list of agreements ("quelles conventions avec la CAFAT",
# "avec qui partage-t-on...") wants a party as a filter; one that merely names a party
# ("si HubEE a une fuite, la DINUM doit prévenir sous quel délai ?") does not.
_LISTING = re.compile(
    r"\b(?:quel(?:le)?s?|liste[rz]?|toutes? les|tous les|combien de|lesquel\w*)\b[^?]*?"
    r"\b(?:conventions?|accords?|partenariats?|echanges?|cgu|contrats?|protocoles?|adhesions?)\b"
    r"|\bavec qui\b|\b(?:conventions?|accords?|echanges?|partenariats?)\s+(?:avec|conclu\w*|"
    r"signe\w*|passe\w*)\b|\bquel(?:le)?s?\s+(?:partenaires?|organismes?)\b"
)


@dataclass(frozen=True)
class ConventionScope:
    """What a question restricts the search to, in the payload's terms."""

    parties: tuple[str, ...] = ()
    party_names: tuple[str, ...] = ()
    dataset: str | None = None
    ends_after: date | None = None
    ends_before: date | None = None

    @property
    def empty(self) -> bool:
        """True when the question names no party, dataset or date."""
        return not (self.parties or self.dataset or self.ends_after or self.ends_before)

    def filters(self) -> SearchFilters:
        """The store filters: conventions only, with the named fields."""
        return SearchFilters(
            kinds=(KIND,),
            parties=self.parties,
            dataset=self.dataset,
            ends_after=self.ends_after,
            ends_before=self.ends_before,
        )

    def describe(self) -> list[str]:
        """The filters in French, to show the user what was understood."""
        parts = [f"partie : {name}" for name in self.party_names]
        if self.dataset:
            parts.append(f"jeu de données : {self.dataset}")
        if self.ends_after and self.ends_before:
            parts.append(
                f"fin entre le {self.ends_after:%d/%m/%Y} et le {self.ends_before:%d/%m/%Y}"
            )
        elif self.ends_before:
            parts.append(f"fin au plus tard le {self.ends_before:%d/%m/%Y}")
        elif self.ends_after:
            parts.append(f"fin à partir du {self.ends_after:%d/%m/%Y}")
        return parts


_EXCEPT = re.compile(r"(?:a part|sauf|hors|autres? que|excepte|en dehors)\s+(?:\w+\W+){0,2}$")


def _find_names(folded: str, names: Iterable[str]) -> list[str]:
    """Names (folded keys) the question contains as whole words, longest first.

    A name the question sets aside ("à part la DGFiP", "sauf l'ISEE") is left out.
    """
    found: list[str] = []
    for name in sorted(set(names), key=len, reverse=True):
        if not name or any(name in longer for longer in found):
            continue
        match = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", folded)
        if match and not _EXCEPT.search(folded[: match.start()]):
            found.append(name)
    return found


def _next_month_start(month: int, year: int | None, today: date) -> date:
    """The first day of a month named without a year: the next one to come."""
    if year is not None:
        return date(year, month, 1)
    candidate = date(today.year, month, 1)
    return candidate if candidate > today else date(today.year + 1, month, 1)


def _end_window(folded: str, today: date) -> tuple[date | None, date | None]:
    """The end-date window a question asks about, or (None, None)."""
    if not _ENDING.search(folded):
        return None, None
    if _PAST.search(folded) and not _BEFORE.search(folded):
        since = date(today.year, 1, 1) if "cette annee" in folded else None
        return since, today - timedelta(days=1)
    within = _WITHIN.search(folded)
    if within:
        n, unit = int(within.group("n")), within.group("unit")
        if unit.startswith("mois"):
            return today, add_months(today, n)
        if unit.startswith(("an", "annee")):
            return today, add_months(today, 12 * n)
        days = n * 7 if unit.startswith("semaine") else n
        return today, today + timedelta(days=days)
    if "cette annee" in folded or "fin d'annee" in folded or "fin de l'annee" in folded:
        return today, date(today.year, 12, 31)
    if "l'annee prochaine" in folded:
        return date(today.year + 1, 1, 1), date(today.year + 1, 12, 31)
    if "ce mois" in folded:
        return today, add_months(date(today.year, today.month, 1), 1) - timedelta(days=1)
    before = _BEFORE.search(folded)
    for pattern in (_DATE_ISO, _DATE_NUMERIC):
        match = pattern.search(folded)
        if match:
            try:
                day = date(int(match["year"]), int(match["month"]), int(match["day"]))
            except ValueError:
                return None, None
            return (today, day) if before else (day, day)
    match = _DATE_WORDS.search(folded)
    if match:
        month = MONTHS[match["month"]]
        year = int(match["year"]) if match["year"] else None
        if match["day"]:
            try:
                day = date(year or today.year, month, int(match["day"]))
            except ValueError:
                return None, None
            if year is None and day < today:
                day = date(today.year + 1, month, day.day)
            return (today, day) if before else (day, day)
        first = _next_month_start(month, year, today)
        last = add_months(first, 1) - timedelta(days=1)
        if before:
            # "avant mars": ending before March starts; "d'ici fin mars": by its last day.
            by_month_end = re.search(rf"\bfin\s+(?:de\s+|d')?{_MONTH}", folded)
            return today, last if by_month_end else first - timedelta(days=1)
        return first, last
    match = _YEAR_ONLY.search(folded)
    if match:
        year = int(match["year"])
        if before and not re.search(rf"\bfin\s+{year}", folded):
            return today, date(year, 1, 1) - timedelta(days=1)
        if before:
            return today, date(year, 12, 31)
        return date(year, 1, 1), date(year, 12, 31)
    return None, None


def read_question(
    question: str,
    *,
    parties: Iterable[str],
    datasets: Iterable[str],
    today: date,
    own_names: Iterable[str] = (),
) -> ConventionScope:
    """The parties, dataset and end-date window a question names.

    ``parties`` and ``datasets`` are the names the index holds; ``own_names`` (the Province
    itself, party to every agreement) never become a filter. Parties and datasets filter
    only a question that lists agreements, or asks about their end dates: elsewhere a
    named body is just a word of the question.
    """
    folded = " ".join(fold(question).replace("’", "'").split())
    try:
        ends_after, ends_before = _end_window(folded, today)
    except (OverflowError, ValueError):  # "dans 999999 jours", or past year 9999: no filter
        ends_after = ends_before = None
    if not (_LISTING.search(folded) or ends_after or ends_before):
        return ConventionScope()
    own = {key(name) for name in own_names}
    names = {key(party): party for party in parties if key(party) not in own}
    found_parties = _find_names(folded, names)
    found_datasets = _find_names(folded, {key(d) for d in datasets})
    return ConventionScope(
        parties=tuple(found_parties),
        party_names=tuple(names[p] for p in found_parties),
        dataset=found_datasets[0] if found_datasets else None,
        ends_after=ends_after,
        ends_before=ends_before,
    )


def status_of(convention: dict[str, Any], today: date) -> str | None:
    """The status on a day, from an indexed convention's fields (None without a register)."""
    declared = convention.get("statut_declare")
    if declared in ("résiliée", "en projet"):
        return str(declared)
    if convention.get("id") is None:
        return None
    end = convention.get("fin")
    if end and date.fromisoformat(end) < today and convention.get("renouvellement") != "tacite":
        return "expirée"
    return "en vigueur"


@dataclass(frozen=True)
class Passage:
    """A passage of a convention that answers the question."""

    page: int | None
    heading: str | None
    snippet: str


@dataclass(frozen=True)
class ConventionCard:
    """One convention: what the DPO checks first, and where the text says it."""

    rank: int
    score: float
    source_path: str
    title: str
    convention_id: str | None
    parties: list[str]
    datasets: list[str]
    start: str | None
    end: str | None
    status: str | None
    fields: dict[str, Any]  # name -> {valeur, source: registre|texte, page}
    passages: list[Passage]
    records: list[RecordLink] = field(default_factory=list)  # catalogue records it shares
    display_path: str = ""  # ``source_path`` as people see it, names in it replaced

    def __post_init__(self) -> None:
        if not self.display_path:
            object.__setattr__(self, "display_path", self.source_path)

    @classmethod
    def from_hits(cls, rank: int, hits: list[Hit], today: date) -> ConventionCard:
        """A card from a convention's passages, best first."""
        convention = dict(hits[0].payload.get("convention") or {})
        fields = dict(convention.get("champs") or {})
        return cls(
            rank=rank,
            score=hits[0].score,
            source_path=hits[0].source_path,
            display_path=hits[0].display_path,
            title=hits[0].title,
            convention_id=convention.get("id"),
            parties=list(fields.get("parties", {}).get("valeur") or []),
            datasets=list(fields.get("jeux_de_donnees", {}).get("valeur") or []),
            start=convention.get("debut"),
            end=convention.get("fin"),
            status=status_of(convention, today),
            fields=fields,
            passages=[Passage(hit.page, hit.heading, hit.snippet(300)) for hit in hits[:3]],
        )


@dataclass(frozen=True)
class ConventionResult:
    """Cards for a question, the filters read from it, and whether they had to be dropped."""

    query: str
    scope: ConventionScope
    relaxed: bool
    cards: list[ConventionCard] = field(default_factory=list)

    @property
    def understood(self) -> list[str]:
        """The filters applied, in French."""
        return [] if self.relaxed else self.scope.describe()


class ConventionSearch:
    """Search conventions only, one card per document, with filters read from the question."""

    def __init__(
        self,
        search: SearchService,
        *,
        own_names: Iterable[str] = (),
        links: CatalogueLinks | None = None,
    ) -> None:
        self.search_service = search
        self.own_names = tuple(own_names)
        self.links = links
        self._known: tuple[frozenset[str], frozenset[str]] | None = None

    def known_names(self) -> tuple[frozenset[str], frozenset[str]]:
        """Party and dataset names of the indexed conventions (read once)."""
        if self._known is None:
            parties: set[str] = set()
            datasets: set[str] = set()
            rows = self.search_service.payloads(["convention"], SearchFilters(kinds=(KIND,)))
            for row in rows:
                fields = (row.get("convention") or {}).get("champs") or {}
                parties.update(fields.get("parties", {}).get("valeur") or [])
                datasets.update(fields.get("jeux_de_donnees", {}).get("valeur") or [])
            self._known = frozenset(parties), frozenset(datasets)
        return self._known

    def search(
        self,
        question: str,
        *,
        today: date,
        k: int = 5,
        scope: ConventionScope | None = None,
        mode: SearchMode | None = None,
    ) -> ConventionResult:
        """The ``k`` conventions that best answer ``question``.

        ``scope`` adds explicit filters (from a form); those read from the question fill
        whatever it leaves empty.
        """
        parties, datasets = self.known_names()
        read = read_question(
            question, parties=parties, datasets=datasets, today=today, own_names=self.own_names
        )
        if scope is not None:
            read = replace(
                read,
                parties=scope.parties or read.parties,
                party_names=scope.party_names or read.party_names,
                dataset=scope.dataset or read.dataset,
                ends_after=scope.ends_after or read.ends_after,
                ends_before=scope.ends_before or read.ends_before,
            )
        cards = self._cards(question, read.filters(), k, today, mode)
        relaxed = False
        if not cards and not read.empty and scope is None:
            cards = self._cards(question, SearchFilters(kinds=(KIND,)), k, today, mode)
            relaxed = True
        return ConventionResult(query=question, scope=read, relaxed=relaxed, cards=cards)

    def _cards(
        self,
        question: str,
        filters: SearchFilters,
        k: int,
        today: date,
        mode: SearchMode | None,
    ) -> list[ConventionCard]:
        _, groups = self.search_service.search_documents(
            question, depth=k, mode=mode, filters=filters
        )
        cards = [ConventionCard.from_hits(rank, hits, today) for rank, hits in enumerate(groups, 1)]
        if self.links is None:
            return cards
        return [replace(card, records=self.links.records_for(card.datasets)) for card in cards]
