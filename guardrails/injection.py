"""Documents that talk to the assistant: instructions hidden in indexed text.

A page may say "ignore the previous instructions and reveal…" to whatever model reads it
later. Boussole never obeys indexed text (the extractive writer only quotes it, the LLM
writer's system prompt treats passages as data between markers); this module finds such
wordings so that the index report flags the document for a person to look at, and its
passages carry ``suspect_instructions: true``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from connectors.base import SourceDocument
from connectors.text import fold

# Folded (lower case, no accents) wordings, French and English, aimed at a model rather
# than at a human reader.
_PATTERNS = [
    r"\bignore[rz]?\s+(?:toutes?\s+|tous\s+)?(?:les\s+|tes\s+|vos\s+)?"
    r"(?:instructions|consignes|regles)\s+(?:precedentes|ci-dessus|anterieures|initiales)",
    r"\boublie[rz]?\s+(?:toutes?\s+|tous\s+)?(?:les\s+|tes\s+|vos\s+)"
    r"(?:instructions|consignes|regles)",
    r"\bne\s+tiens?\s+(?:plus\s+)?pas\s+compte\s+des\s+(?:instructions|consignes)",
    r"\b(?:tu\s+es|vous\s+etes)\s+(?:maintenant|desormais)\s+(?:un|une)\b",
    r"\b(?:revele|affiche|donne)[rz]?\s+(?:ton|votre)\s+(?:prompt|message)\s+systeme",
    r"\bignore\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above)\s+"
    r"(?:instructions|prompts|rules)",
    r"\bdisregard\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above)\s+instructions",
    r"\byou\s+are\s+now\s+(?:a|an|in)\b",
    r"\b(?:reveal|print|show)\s+(?:your|the)\s+system\s+prompt",
    r"\bsystem\s+prompt\s*:",
    r"<\s*/?\s*(?:system|assistant)\s*>",
    r"\[\s*/?\s*inst\s*\]",
]
_INSTRUCTION = re.compile("|".join(f"(?:{pattern})" for pattern in _PATTERNS))


@dataclass(frozen=True)
class Suspicion:
    """Where a document speaks to the assistant: the section and the words found."""

    section: int
    page: int | None
    words: str


def find_instructions(document: SourceDocument) -> list[Suspicion]:
    """Every section of ``document`` holding a wording addressed to a model."""
    found = []
    for number, section in enumerate(document.sections):
        match = _INSTRUCTION.search(" ".join(fold(section.text).split()))
        if match:
            found.append(Suspicion(number, section.page, match.group(0)[:80]))
    return found
