"""Fields of a convention read from its text, each with the page that states it.

Used where the register is silent. Each field is the first sentence that says it in the
way conventions and CGU word it ("ont pour objet", "sur le fondement de l'article 6",
"conservées pendant"), so the DPO can open the page and check.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from connectors.base import Section

# Bodies that sign data-exchange agreements with the Province Sud (and the State's API
# providers whose terms it subscribes to).
KNOWN_PARTIES = (
    "Province Sud",
    "Gouvernement de la Nouvelle-Calédonie",
    "CAFAT",
    "ISEE",
    "OPT-NC",
    "DINUM",
    "DGFiP",
    "CNAM",
    "Pôle emploi",
    "France Travail",
    "AIFE",
    "ANTS",
    "CNIL",
    "IGN",
    "Agence Bio",
    "INSEE",
    "ministère de l'Éducation nationale",
    "CNOUS",
    "ACOSS",
    "URSSAF",
)

_SENTENCE = re.compile(r"[^.!?;]*?(?:[.!?;]|$)", re.S)
_DURATION = r"\d+\s*(?:ans?|années?|mois|jours?|semaines?)"
_DATE = (
    r"(?:\d{1,2}(?:er)?\s+(?:janvier|février|mars|avril|mai|juin|juillet|août|septembre"
    r"|octobre|novembre|décembre)\s+\d{4}|\d{1,2}/\d{1,2}/\d{4})"
)

_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "finalite": (
        # The purpose of the exchange, as processing records state it, before the generic
        # "these terms aim to define the conditions..." that every CGU opens with.
        re.compile(
            r"finalités?\s+(?:du\s+traitement\s+|poursuivies?\s+)?(?:est|sont|:)\s*"
            r"(?P<value>[^.;]{10,300})",
            re.I,
        ),
        re.compile(r"vise\s+à\s+(?:permettre\s+)?(?P<value>[^.;]{10,300})", re.I),
        re.compile(
            r"(?:le\s+service|l['’]API)[^.;]{0,80}?\s+permet(?:tent)?\s+(?P<value>[^.;]{10,300})",
            re.I,
        ),
        re.compile(
            r"(?:ont|a)\s+pour\s+(?:objet|finalité|but)\s+(?:de\s+)?(?P<value>[^.;]{10,300})",
            re.I,
        ),
    ),
    "base_legale": (
        re.compile(
            r"(?P<value>article\s+6[\w().,\s-]{0,25}?\s(?:du\s+)?(?:RGPD|règlement\s+(?:général|\(UE\)))"
            r"[^.;]{0,160})",
            re.I,
        ),
        re.compile(r"sur\s+le\s+fondement\s+(?:de|des|du)\s+(?P<value>[^.;]{5,200})", re.I),
        re.compile(
            r"(?:base|fondement)\s+(?:légale|juridique)\s*(?:est|:|repose\s+sur)?\s*"
            r"(?P<value>[^.;]{5,200})",
            re.I,
        ),
        re.compile(
            r"(?P<value>en\s+application\s+(?:de\s+l['’]article|des\s+articles)\s+[^.;]{3,160})",
            re.I,
        ),
    ),
    "duree_conservation": (
        re.compile(
            rf"conserv\w*[^.;]{{0,120}}?(?P<value>(?:pendant|durant|pour)\s+"
            rf"(?:une\s+durée\s+(?:maximale\s+)?de\s+)?(?:{_DURATION})[^.;]{{0,60}})",
            re.I,
        ),
    ),
    "duree": (
        re.compile(
            rf"(?:conclue?s?|valables?|en\s+vigueur)\s+pour\s+une\s+durée\s+(?:de\s+)?"
            rf"(?P<value>{_DURATION}|indéterminée)",
            re.I,
        ),
    ),
    "signature": (
        re.compile(
            rf"(?:fait|signée?s?)\s+(?:à\s+[\w\- ]{{2,40}}\s*,?\s*)?le\s+(?P<value>{_DATE})",
            re.I,
        ),
    ),
}


@dataclass(frozen=True)
class ExtractedField:
    """One field found in a convention's text."""

    name: str
    value: str
    page: int | None
    sentence: str


def extract_fields(sections: Sequence[Section]) -> dict[str, ExtractedField]:
    """The first statement of each field, with its page; parties from a list of bodies."""
    found: dict[str, ExtractedField] = {}
    for section in sections:
        text = " ".join(section.text.split())
        for name, patterns in _PATTERNS.items():
            if name in found:
                continue
            for pattern in patterns:
                match = pattern.search(text)
                if match:
                    value = " ".join(match.group("value").split()).strip(" ,:")
                    found[name] = ExtractedField(name, value, section.page, _sentence(text, match))
                    break
    parties = _parties(sections)
    if parties:
        first_page = next((s.page for s in sections if any(p in s.text for p in parties)), None)
        found["parties"] = ExtractedField("parties", " ; ".join(parties), first_page, "")
    return found


def _sentence(text: str, match: re.Match[str]) -> str:
    start = max(text.rfind(".", 0, match.start()) + 1, 0)
    end = text.find(".", match.end())
    return text[start : end + 1 if end >= 0 else len(text)].strip()[:500]


def _parties(sections: Sequence[Section]) -> list[str]:
    """Known bodies named in the first pages, in the order they appear."""
    head = " ".join(s.text for s in sections[:6])
    positions = []
    for party in KNOWN_PARTIES:
        match = re.search(rf"(?<![\w]){re.escape(party)}(?![\w])", head, re.I)
        if match:
            positions.append((match.start(), party))
    return [party for _, party in sorted(positions)]
