"""Precision and recall of the fields read from conventions, against the DPO's register.

The register's ``preuves`` say which fields a document itself states, and on which page:
those are the truth. An extracted field is correct when it says the same thing
(most of the shorter value's words, or the same numbers), and is counted apart when it
also comes from the page the register names; a field extracted from a document that does
not state it is a false alarm. A field the register keeps no column for (the security
obligations) cannot be judged at all: it is counted under ``unscored``, neither right nor
wrong.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.text import fold

# Fields extraction reads that the register (connectors/conventions/register.py) has no
# column for, so no truth to score them against.
NOT_IN_REGISTER = frozenset({"securite"})


@dataclass(frozen=True)
class Expected:
    """What the register says a document states: value and page, per field."""

    convention: str
    values: Mapping[str, str]
    pages: Mapping[str, int]


@dataclass(frozen=True)
class Found:
    """A field read from a document's text."""

    value: str
    page: int | None


def _words(text: str) -> set[str]:
    return {word for word in re.findall(r"\w+", fold(text)) if len(word) > 2 or word.isdigit()}


def same_value(expected: str, found: str) -> bool:
    """Most of the shorter value's words in the other, or the same numbers for durations."""
    numbers_expected = re.findall(r"\d+", expected)
    if numbers_expected and numbers_expected == re.findall(r"\d+", found)[: len(numbers_expected)]:
        return True
    a, b = _words(expected), _words(found)
    if not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) >= 0.5


def score(expected: Sequence[Expected], found: Mapping[str, Mapping[str, Found]]) -> dict[str, Any]:
    """Per-field precision and recall, with the disagreements to look at."""
    correct: Counter[str] = Counter()
    same_page: Counter[str] = Counter()
    extracted: Counter[str] = Counter()
    stated: Counter[str] = Counter()
    unscored: Counter[str] = Counter()
    disagreements: list[dict[str, Any]] = []
    for item in expected:
        fields = found.get(item.convention, {})
        stated.update(item.pages.keys())
        for name, value in fields.items():
            if name in NOT_IN_REGISTER:
                unscored[name] += 1
                continue
            extracted[name] += 1
            page = item.pages.get(name)
            truth = item.values.get(name, "")
            if page is not None and same_value(truth, value.value):
                correct[name] += 1
                same_page[name] += value.page == page
            else:
                disagreements.append(
                    {
                        "convention": item.convention,
                        "field": name,
                        "expected": truth if page is not None else None,
                        "expected_page": page,
                        "found": value.value,
                        "found_page": value.page,
                    }
                )

    def ratio(numerator: int, denominator: int) -> float | None:
        return round(numerator / denominator, 3) if denominator else None

    names = sorted(set(stated) | set(extracted))
    return {
        "by_field": {
            name: {
                "stated": stated[name],
                "extracted": extracted[name],
                "correct": correct[name],
                "same_page": same_page[name],
                "precision": ratio(correct[name], extracted[name]),
                "recall": ratio(correct[name], stated[name]),
            }
            for name in names
        },
        "overall": {
            "precision": ratio(sum(correct.values()), sum(extracted.values())),
            "recall": ratio(sum(correct.values()), sum(stated.values())),
        },
        "unscored": dict(sorted(unscored.items())),
        "disagreements": disagreements,
    }
