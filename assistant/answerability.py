"""Whether the retrieved documents answer a question at all: one decision, fitted on data.

The best passage's cosine cannot tell « combien de temps pour le VPN ? » (answered) from
« quelles données cadastrales pour Wallis-et-Futuna ? » (a near miss: right topic, a name
the documents never mention). The gate reads the question's key terms
(``assistant/key_terms.py``) and checks which documents hold them: a name of several words
or a year that no chunk holds means abstain, the missing terms are named to the user, and
the document holding the most is the one cited. The decision itself is a logistic model
over the retrieval signals, whose weights and threshold live in a YAML file
(``assistant/answerability.yaml``, fitted on the tuning half of the dev set by
``boussole eval --fit-gate``; ``answer.gate_file`` replaces it).
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.key_terms import KeyTerm, TermKind, covers, flat, key_terms
from assistant.packaged import load_yaml
from assistant.query import QueryExpander
from assistant.question_types import framing
from assistant.search import Hit, SearchService
from assistant.word_frequency import zipf
from connectors.errors import ConfigurationError
from indexing.sparse import french_stopwords

# The signals the model weighs, in a fixed order (the YAML file names them).
FEATURES = (
    "evidence",  # cosine of the best passage with the question
    "key_terms",  # how many key terms the question has
    "missing",  # key terms the best-covering document lacks
    "missing_anywhere",  # key terms no retrieved document holds
    "unknown",  # words the index holds nowhere
    "missing_names",  # missing names and acronyms
    "missing_numbers",  # missing numbers and years
    "coverage",  # share of the question's rare words in the best-covering document
    "margin",  # how far the first document's score is ahead of the second's
    "absent",  # missing several-word names and years that no chunk holds: always abstain
)
# The signals the shipped model weighs. Sets were compared on the tuning half by repeating
# the whole fit (weights and threshold) inside 5-fold cross-validation, 20 times: the cosine
# alone abstained on 0.53 of unanswerable questions at 0.077 false abstentions; adding key
# terms and missing terms gave 0.48 at 0.092, and coverage, margin or missing-everywhere did
# no better. Key terms still decide through the rule (``_absent``), name what is missing and
# choose the document cited. The other signals stay in the reports, to compare again.
GATE_FEATURES = ("evidence",)
DOCUMENTS_CHECKED = 5  # the first documents whose passages may cover the key terms
# Below this length, a word one letter off a known one is as often a name (« futuna » /
# « futur ») as a typo.
TYPO_MIN_LETTERS = 8
TYPO_MAX_LETTERS = 24  # and past this, no word is checked (its variants would be thousands)
WORDS_CHECKED = 40  # a question's words looked up in the index, at most
STEMS_KEPT = 50_000  # words whose stem is remembered across questions


@dataclass(frozen=True)
class GateModel:
    """A logistic model: P(answerable) = sigmoid(intercept + Σ weight × feature)."""

    weights: Mapping[str, float]
    intercept: float
    threshold: float  # answer when the probability reaches this
    rare_chunks: int = 2  # a question word held by this many chunks or fewer is a key term
    common_zipf: float = 4.0  # a word this common in French is never a key term
    defaults: Mapping[str, float] = field(default_factory=dict)  # for absent signals
    origin: str = "assistant/answerability.yaml"

    @classmethod
    def load(cls, path: Path | None = None) -> GateModel:
        """The model at ``path``, or the one shipped with Boussole."""
        data, origin = load_yaml(
            path, "answerability.yaml", setting="answer.gate_file", label="Modèle d'abstention"
        )
        return cls.from_dict(data, origin)

    @classmethod
    def from_dict(cls, data: Any, origin: str) -> GateModel:
        """Validate a decoded model file; the message names the file and the field."""
        if not isinstance(data, dict):
            raise ConfigurationError(f"Modèle d'abstention {origin} : attendu un dictionnaire.")
        weights = data.get("weights")
        if not isinstance(weights, dict) or not all(
            name in FEATURES and isinstance(value, int | float) for name, value in weights.items()
        ):
            raise ConfigurationError(
                f"Modèle d'abstention {origin} : « weights » doit associer des signaux connus "
                f"({', '.join(FEATURES)}) à des nombres."
            )
        for name in ("intercept", "threshold"):
            if not isinstance(data.get(name), int | float):
                raise ConfigurationError(
                    f"Modèle d'abstention {origin} : « {name} » manquant ou non numérique."
                )
        defaults = data.get("defaults") or {}
        if not isinstance(defaults, dict):
            raise ConfigurationError(f"Modèle d'abstention {origin} : « defaults » invalide.")
        return cls(
            weights={k: float(v) for k, v in weights.items()},
            intercept=float(data["intercept"]),
            threshold=float(data["threshold"]),
            defaults={k: float(v) for k, v in defaults.items()},
            rare_chunks=int(data.get("rare_chunks", 2)),
            common_zipf=float(data.get("common_zipf", 4.0)),
            origin=origin,
        )

    def probability(self, features: Mapping[str, float | None]) -> float:
        """How likely the documents answer, given the signals."""
        total = self.intercept
        for name, weight in self.weights.items():
            value = features.get(name)
            if value is None:
                value = self.defaults.get(name, 0.0)
            total += weight * value
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, total))))


@dataclass(frozen=True)
class Verdict:
    """The gate's decision on one question and what it rests on."""

    answerable: bool
    probability: float
    missing_terms: list[str]  # key terms the documents lack, as the user wrote them
    features: dict[str, float | None]
    documents: list[str]  # source paths, best-covering first


class AnswerabilityGate:
    """Judge whether the retrieved documents answer the question."""

    def __init__(
        self,
        search: SearchService,
        model: GateModel,
        expander: QueryExpander | None = None,
    ) -> None:
        self.search = search
        self.model = model
        self.expander = expander
        self.stopwords = french_stopwords()
        # Bounded: every request brings new words (and a typo check, hundreds of variants).
        self.stem = functools.lru_cache(maxsize=STEMS_KEPT)(self._stem)

    def for_search(self, search: SearchService) -> AnswerabilityGate:
        """The same gate (model, caches) over another reader's search service."""
        view = copy.copy(self)
        view.search = search
        return view

    def _stem(self, word: str) -> str:
        """The BM25 stem of one word ('' for a stopword)."""
        stems = self.search.sparse.stems(word)
        return stems[0] if stems else ""

    def unknown_words(self, words: Sequence[str]) -> dict[str, TermKind]:
        """Words the reader's index holds nowhere (or in ``model.rare_chunks`` at most).

        An everyday word (Zipf frequency in French of ``model.common_zipf`` or more: « vendre »,
        « tombe ») is what users add around a question, not what it turns on; a word the
        lexicon translates is known by its formal terms; a long word one letter off a known
        one is a typo.
        """
        words = [word for word in words if zipf(word) < self.model.common_zipf][:WORDS_CHECKED]
        stems = {word: self.stem(word) for word in words}
        counts = self.search.chunks_holding([s for s in stems.values() if s])
        kinds = {}
        for word, stem in stems.items():
            held = counts.get(stem, 0)
            if not stem or held > self.model.rare_chunks or self._equivalents(word):
                continue
            if held:
                kinds[word] = TermKind.RARE
            elif not (
                TYPO_MIN_LETTERS <= len(word) <= TYPO_MAX_LETTERS and self._typo_of_known(word)
            ):
                kinds[word] = TermKind.UNKNOWN
        return kinds

    def _typo_of_known(self, word: str) -> bool:
        """One letter off a word the index holds (« traitemnt »)."""
        letters = string.ascii_lowercase
        splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
        variants = {a + b[1:] for a, b in splits if b}
        variants |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        variants |= {a + c + b[1:] for a, b in splits if b for c in letters}
        variants |= {a + c + b for a, b in splits for c in letters}
        variants.discard(word)
        stems = {self.stem(variant) for variant in variants} - {""}
        counts = self.search.chunks_holding(sorted(stems))
        return any(count > 0 for count in counts.values())

    def _equivalents(self, phrase: str) -> list[str]:
        formal = self.expander.formal(phrase) if self.expander is not None else None
        return [formal] if formal else []

    def judge(
        self,
        question: str,
        documents: Sequence[Sequence[Hit]],
        evidence: float | None,
        *,
        every_signal: bool = False,
    ) -> Verdict:
        """The decision, the missing key terms and the signals behind it.

        ``documents`` are the search's hits grouped by document, best first. A signal the
        model does not weigh and that costs a look-up in the index (``coverage``) is only
        measured for ``every_signal`` (the evaluation, which compares them all).
        """
        terms = key_terms(question, stopwords=self.stopwords, unknown=self.unknown_words)
        checked = [list(hits) for hits in documents[:DOCUMENTS_CHECKED] if hits]
        equivalents = {term.text: self._equivalents(term.text) for term in terms}
        texts = []
        for hits in checked:
            raw = " ".join(
                itertools.chain.from_iterable(
                    (hit.title, hit.heading or "", hit.display_path, hit.text) for hit in hits
                )
            )
            texts.append((flat(raw), set(self.search.sparse.stems(raw))))
        held = [
            {
                term.text
                for term in terms
                if covers(text, stems, term, stem=self.stem, equivalents=equivalents[term.text])
            }
            for text, stems in texts
        ]
        best = max(range(len(held)), key=lambda i: (len(held[i]), -i)) if held else None
        covered = held[best] if best is not None else set()
        anywhere = set().union(*held) if held else set()
        missing = [term for term in terms if term.text not in covered]
        absent = self._absent(missing)
        measured = every_signal or "coverage" in self.model.weights
        wanted = self._rare_stems(question) if measured and best is not None else None
        features: dict[str, float | None] = {
            "evidence": evidence,
            "key_terms": float(len(terms)),
            "missing": float(len(missing)),
            "missing_anywhere": float(sum(term.text not in anywhere for term in terms)),
            "unknown": float(sum(term.kind == TermKind.UNKNOWN for term in terms)),
            "missing_names": float(
                sum(term.kind in (TermKind.NAME, TermKind.ACRONYM) for term in missing)
            ),
            "missing_numbers": float(sum(term.kind == TermKind.NUMBER for term in missing)),
            "coverage": (
                _share(wanted, texts[best][1])
                if wanted is not None and best is not None
                else (0.0 if measured else None)
            ),
            "margin": _margin(checked),
            "absent": float(len(absent)),
        }
        probability = self.model.probability(features)
        order = [best] if best is not None else []
        order += [i for i in range(len(checked)) if i != best]
        return Verdict(
            answerable=bool(checked) and not absent and probability >= self.model.threshold,
            probability=round(probability, 4),
            missing_terms=[term.text for term in missing],
            features=features,
            documents=[checked[i][0].source_path for i in order],
        )

    def _absent(self, missing: Sequence[KeyTerm]) -> list[KeyTerm]:
        """Names of several words and years with a word that no chunk the reader sees holds.

        No document can answer a question about something none of them mentions: the
        gate abstains whatever the other signals say (« Wallis-et-Futuna », « 2031 »).
        One-word names and acronyms are left to the model: on the tuning half, those the
        index lacked were as often a département or a product the user added to a question
        the documents do answer (« (Cher) », « E85 ») as the subject of a near miss.
        """
        strong = [term for term in missing if len(term.words) > 1 or _year(term)]
        stems = {term.text: [s for s in map(self.stem, term.words) if s] for term in strong}
        wanted = sorted({stem for group in stems.values() for stem in group})
        counts = self.search.chunks_holding(wanted)
        return [term for term in strong if any(counts.get(s, 0) == 0 for s in stems[term.text])]

    def _rare_stems(self, question: str) -> dict[str, float]:
        """The question's stems weighted by rarity in the index (1/√(1 + chunks)).

        Words that only frame the question (« combien de temps ») and everyday words are
        left out.
        """
        asking = framing(question)
        words = [
            w
            for w in flat(question).split()
            if w not in asking and zipf(w) < self.model.common_zipf
        ]
        stems = set(self.search.sparse.stems(" ".join(words)))
        counts = self.search.chunks_holding(sorted(stems))
        return {stem: 1.0 / math.sqrt(1 + counts.get(stem, 0)) for stem in stems}


def _year(term: KeyTerm) -> bool:
    return term.kind == TermKind.NUMBER and bool(re.fullmatch(r"(?:19|20)\d\d", term.text))


def _share(wanted: Mapping[str, float], stems: set[str]) -> float:
    total = sum(wanted.values())
    return sum(w for stem, w in wanted.items() if stem in stems) / total if total else 0.0


def _margin(documents: Sequence[Sequence[Hit]]) -> float:
    """(first − second) / first of the documents' best passage scores."""
    if len(documents) < 2 or documents[0][0].score <= 0:
        return 1.0 if documents else 0.0
    first, second = documents[0][0].score, documents[1][0].score
    return max(0.0, (first - second) / first)
