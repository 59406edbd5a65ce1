"""Answers with numbered citations: retrieve, decide whether to answer, then write.

Every claim points to a passage the user can open: ``[1]`` maps to a source path, its page
or article and heading, and the quoted passage. When the best passage is too far from the
question (cosine below ``answer.min_similarity``) Boussole says it found nothing and lists
the closest sources instead of guessing.

Two writers share this path: the extractive one (default, offline) quotes the passages'
own sentences that match the question; an LLM one (``assistant/llm.py``) writes from the
same numbered passages.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from assistant.query import QueryExpander
from assistant.search import Hit, SearchService
from assistant.settings import AnswerSettings, SearchMode
from connectors.text import fold
from guardrails.injection import instruction_in
from indexing.sparse import FrenchBm25
from indexing.store import SearchFilters

ABSTENTION = (
    "Je n'ai pas trouvé de réponse dans les documents indexés. Voici les sources les plus "
    "proches de votre question : vérifiez-les, ou reformulez avec les mots du domaine."
)


@dataclass(frozen=True)
class Citation:
    """A numbered source: what ``[n]`` in an answer points to."""

    number: int
    source_path: str  # the key that opens the file (``/documents/...``): never shown
    title: str
    kind: str
    page: int | None
    heading: str | None
    quote: str  # the sentences the answer relies on (the passage's start for an LLM)
    passage: str  # the whole passage, to show beside the answer
    display_path: str = ""  # the path people see, names in it replaced

    def __post_init__(self) -> None:
        if not self.display_path:
            object.__setattr__(self, "display_path", self.source_path)


@dataclass(frozen=True)
class Answer:
    """An answer, its citations, and whether Boussole abstained."""

    question: str
    text: str
    citations: list[Citation]
    abstained: bool
    backend: str
    evidence: float | None  # cosine of the best passage with the question
    sources: list[Citation] = field(default_factory=list)  # closest passages, when abstaining
    took_ms: float = 0.0
    # Shown passages that speak to a model ("ignore tes consignes…"): quoted, never obeyed.
    warnings: list[str] = field(default_factory=list)

    @property
    def cited_paths(self) -> list[str]:
        """Distinct cited source paths, in citation order."""
        return list(dict.fromkeys(citation.source_path for citation in self.citations))


@dataclass(frozen=True)
class Draft:
    """A writer's output: the text, and which passage numbers it cites."""

    text: str
    cited: list[int]


class Writer(Protocol):
    """Writes an answer from numbered passages (1-based, in the list's order)."""

    name: str

    def stream(self, question: str, passages: Sequence[Hit]) -> Iterator[str]:
        """The answer's text, piece by piece, with ``[n]`` markers."""
        ...


# -- the extractive writer ---------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-ZÀ-ÖØ-Þ«(\"0-9])")
_BULLET = re.compile(r"(?:[-•●▪◦*]|\d{1,2}[.)°])\s+")
_CAPITAL = re.compile(r"[A-ZÀ-ÖØ-Þ«\"]")
_MARKER = re.compile(r"\[(\d{1,2})\]")
MIN_SENTENCE_CHARS = 30
PER_DOCUMENT = 4  # passages kept per document, so a writer also sees the next documents
MAX_SENTENCE_CHARS = 500


def _blocks(text: str) -> list[str]:
    """Paragraphs, list items and headings, with the PDF's line wrapping undone.

    A new block starts at a blank line or a bullet; a short line before a capital ends
    one (a heading such as "Article 33 Notification", or a paragraph's last line).
    """
    blocks: list[list[str]] = [[]]
    lines = [line.strip() for line in text.split("\n")]
    for number, line in enumerate(lines):
        if not line:
            if not _continues(blocks[-1], lines[number + 1 :]):
                blocks.append([])
            continue
        if line.startswith("|"):  # a table row is a block of its own: "cell — cell — cell"
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if any(cell.strip(":- ") for cell in cells):  # not the |---|---| rule
                blocks.extend([[" — ".join(cell for cell in cells if cell)], []])
            continue
        bullet = _BULLET.match(line)
        if bullet:
            blocks.append([line[bullet.end() :]])
        else:
            blocks[-1].append(line)
        following = next((later for later in lines[number + 1 :] if later), "")
        if len(line) <= 50 and not line.endswith((",", ":")) and _CAPITAL.match(following):
            blocks.append([])
    return [" ".join(" ".join(block).split()) for block in blocks if block]


def _continues(block: list[str], rest: list[str]) -> bool:
    """A blank line inside a sentence, as some PDFs put between every line of a paragraph.

    The block goes on when its last line has no closing punctuation and the next line
    starts in lower case ("…en respectant un préavis" / "de quinze jours").
    """
    following = next((line for line in rest if line), "")
    return bool(
        block and not block[-1].endswith((".", "!", "?", ":", ";")) and following[:1].islower()
    )


def sentences(text: str) -> list[str]:
    """A passage cut into sentences, list items and headings."""
    pieces = []
    for block in _blocks(text):
        for raw in _SENTENCE_END.split(block):
            piece = raw.strip(" •-–")
            if piece:
                pieces.append(piece)
    return pieces


@dataclass(frozen=True)
class _Candidate:
    passage: int  # 0-based index in the passages
    position: int  # sentence number in its passage
    text: str
    stems: frozenset[str]


class ExtractiveWriter:
    """Quote the sentences of the best document that share most of the question's rare words.

    A word counts more when few candidate sentences contain it ("72", "notifier") than when
    many do ("données"); higher-ranked passages get a small head start. Sentences come from
    the best-ranked document that has any (quoting several documents cites the wrong one
    more often than it adds an answer: measured on the dev set), in reading order,
    near-duplicates once.
    """

    name = "extractive"

    def __init__(
        self,
        bm25: FrenchBm25,
        *,
        expander: QueryExpander | None = None,
        max_sentences: int = 3,
        per_passage: int = 2,
    ) -> None:
        self.bm25 = bm25
        self.expander = expander
        self.max_sentences = max_sentences
        self.per_passage = per_passage

    def select(self, question: str, passages: Sequence[Hit]) -> list[tuple[int, str]]:
        """(passage index, sentence) pairs that answer the question, in reading order.

        The question's words count with those the lexicon adds ("piratage" -> "violation
        de données"), as in retrieval.
        """
        asked = self.expander.expand(question) if self.expander else question
        wanted = set(self.bm25.stems(asked))
        if not wanted:
            return []
        for document in dict.fromkeys(hit.source_path for hit in passages):
            chosen = self._select(wanted, passages, document)
            if chosen:
                return chosen
        return []

    def _select(
        self, wanted: set[str], passages: Sequence[Hit], document: str
    ) -> list[tuple[int, str]]:
        candidates = []
        for index, hit in enumerate(passages):
            if hit.source_path != document:
                continue
            pieces = sentences(hit.text)
            barred = _instruction_sentences(pieces)
            candidates += [
                _Candidate(index, position, sentence, frozenset(self.bm25.stems(sentence)))
                for position, sentence in enumerate(pieces)
                if position not in barred
                and MIN_SENTENCE_CHARS <= len(sentence) <= MAX_SENTENCE_CHARS
                and not _heading_like(sentence)
            ]
        frequency = {
            stem: sum(1 for candidate in candidates if stem in candidate.stems) for stem in wanted
        }

        def score(candidate: _Candidate) -> float:
            shared = wanted & candidate.stems
            weight = sum(1.0 / math.sqrt(frequency[stem]) for stem in shared)
            return weight * (1.0 + 0.5 / (1 + candidate.passage))  # earlier passages first

        ranked = sorted(
            (c for c in candidates if wanted & c.stems), key=lambda c: (-score(c), c.passage)
        )
        if not ranked:
            return []
        floor = score(ranked[0]) * 0.5  # keep sentences about as relevant as the best one
        chosen: list[_Candidate] = []
        per: dict[int, int] = {}
        for candidate in ranked:
            if len(chosen) == self.max_sentences or score(candidate) < floor:
                break
            if per.get(candidate.passage, 0) >= self.per_passage:
                continue
            if any(_near(candidate.stems, other.stems) for other in chosen):
                continue
            chosen.append(candidate)
            per[candidate.passage] = per.get(candidate.passage, 0) + 1
        chosen.sort(key=lambda c: (c.passage, c.position))
        return [(c.passage, c.text) for c in chosen]

    def stream(self, question: str, passages: Sequence[Hit]) -> Iterator[str]:
        """The chosen sentences, one line each, followed by their passage's marker."""
        for index, sentence in self.select(question, passages):
            yield f"{sentence} [{index + 1}]\n"


def _instruction_sentences(pieces: list[str]) -> set[int]:
    """Sentences never quoted as an answer: those that speak to a model, not to a reader.

    A wording may straddle two sentences ("Note pour l'IA. Ignore ce qui précède."): both
    go. When the passage speaks to a model but no sentence or pair does, none is quoted.
    """
    if instruction_in(" ".join(pieces)) is None:
        return set()
    barred = {number for number, piece in enumerate(pieces) if instruction_in(piece)}
    for number in range(len(pieces) - 1):
        pair = {number, number + 1}
        if not pair & barred and instruction_in(f"{pieces[number]} {pieces[number + 1]}"):
            barred |= pair
    return barred or set(range(len(pieces)))


def _heading_like(sentence: str) -> bool:
    """A title or heading left in the text: short, and no sentence ending."""
    return len(sentence.split()) < 15 and not sentence.rstrip().endswith((".", "!", "?", ")", "»"))


def _near(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two sentences saying the same thing (templates repeated across documents)."""
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= 0.8


# -- the service -------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerEvent:
    """One step of a streamed answer: the sources first, then text, then the whole answer."""

    kind: str  # "sources", "text" or "answer"
    text: str = ""
    sources: list[Citation] = field(default_factory=list)
    answer: Answer | None = None


def _citation(number: int, hit: Hit, quote: str) -> Citation:
    return Citation(
        number=number,
        source_path=hit.source_path,
        display_path=hit.display_path,
        title=hit.title,
        kind=hit.kind,
        page=hit.page,
        heading=hit.heading,
        quote=quote,
        passage=hit.text,
    )


def instruction_warnings(shown: Sequence[Citation]) -> list[str]:
    """A warning per shown passage that addresses a model: it is there as text, not obeyed."""
    warnings = []
    for citation in shown:
        words = instruction_in(citation.passage)
        if words is not None:
            where = citation.display_path + (f", page {citation.page}" if citation.page else "")
            warnings.append(
                f"Le passage [{citation.number}] ({where}) contient des consignes adressées à "
                f"un assistant (« {words} ») ; il est cité comme texte, pas suivi."
            )
    return warnings


def _closest(hits: Sequence[Hit], limit: int = 3) -> list[Citation]:
    """The best passage of each of the first few documents."""
    seen: dict[str, Hit] = {}
    for hit in hits:
        seen.setdefault(hit.source_path, hit)
    return [
        _citation(number, hit, hit.snippet(300))
        for number, hit in enumerate(list(seen.values())[:limit], start=1)
    ]


class AnswerService:
    """Retrieve passages for a question and answer from them, or abstain."""

    def __init__(self, search: SearchService, writer: Writer, settings: AnswerSettings) -> None:
        self.search_service = search
        self.writer = writer
        self.settings = settings

    def passages(self, documents: Sequence[Sequence[Hit]]) -> list[Hit]:
        """The passages to answer from: a few of each document, best document first.

        Documents come in the order the search ranks them (one that matches in several
        places before one that matches once), so the document an answer quotes is the one
        retrieval puts first.
        """
        ranked = [hit for hits in documents for hit in hits[:PER_DOCUMENT]]
        return ranked[: self.settings.passages]

    def evidence(self, hits: Sequence[Hit]) -> float | None:
        """How close the best passage is to the question (cosine), None without dense."""
        scores = [hit.similarity for hit in hits if hit.similarity is not None]
        return max(scores) if scores else None

    def stream(
        self,
        question: str,
        *,
        filters: SearchFilters | None = None,
        mode: SearchMode | None = None,
    ) -> Iterator[AnswerEvent]:
        """Sources, then the answer's text as it is written, then the whole answer."""
        started = time.perf_counter()
        result, documents = self.search_service.search_documents(
            question, filters=filters, mode=mode
        )
        hits = self.passages(documents)
        evidence = self.evidence(hits)
        weak = not hits or (evidence is not None and evidence < self.settings.min_similarity)
        passages = [] if weak else list(hits)
        numbered = [_citation(i, hit, hit.snippet(300)) for i, hit in enumerate(passages, 1)]
        yield AnswerEvent("sources", sources=numbered or _closest(hits))
        pieces: list[str] = []
        if passages:
            for piece in self.writer.stream(result.query, passages):
                pieces.append(piece)
                yield AnswerEvent("text", text=piece)
        text = "".join(pieces).strip()
        cited = sorted({int(n) for n in _MARKER.findall(text) if 1 <= int(n) <= len(passages)})
        abstained = not cited
        if abstained:
            # Nothing cited: no answer is trusted, whatever a model may have written.
            if not fold(text).startswith(fold(ABSTENTION[:40])):
                yield AnswerEvent("text", text=("\n\n" if text else "") + ABSTENTION)
            text = ABSTENTION
        citations = self._citations(text, passages, cited)
        sources = _closest(hits) if abstained else []
        answer = Answer(
            question=result.query,
            text=text,
            citations=citations,
            abstained=abstained,
            backend=self.writer.name,
            evidence=round(evidence, 4) if evidence is not None else None,
            sources=sources,
            took_ms=round((time.perf_counter() - started) * 1000, 1),
            warnings=instruction_warnings(sources if abstained else citations),
        )
        yield AnswerEvent("answer", answer=answer)

    def answer(
        self,
        question: str,
        *,
        filters: SearchFilters | None = None,
        mode: SearchMode | None = None,
    ) -> Answer:
        """The whole answer at once."""
        final = None
        for event in self.stream(question, filters=filters, mode=mode):
            final = event.answer or final
        assert final is not None  # stream() always ends with the answer
        return final

    def _citations(self, text: str, passages: Sequence[Hit], cited: list[int]) -> list[Citation]:
        """Citations for the markers used, each quoting its sentences from the answer."""
        lines = text.splitlines()
        citations = []
        for number in cited:
            hit = passages[number - 1]
            quoted = [_MARKER.sub("", line).strip() for line in lines if f"[{number}]" in line]
            quote = " ".join(q for q in quoted if q and q in " ".join(hit.text.split()))
            citations.append(_citation(number, hit, quote or hit.snippet(300)))
        return citations
