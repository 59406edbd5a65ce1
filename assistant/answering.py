"""Answers with numbered citations: retrieve, decide whether to answer, then write.

Every claim points to a passage the user can open: ``[1]`` maps to a source path, its page
or article and heading, and the quoted passage. Before anything is written, the
answerability gate (``assistant/answerability.py``) decides whether the documents answer at
all; when they do not, Boussole says what it did not find (« Je n'ai rien trouvé sur
« Wallis-et-Futuna » … ») and lists the closest sources instead of guessing.

Two writers share this path: the extractive one (default, offline) quotes the passages'
own sentences that match the question; an LLM one (``assistant/llm.py``) writes from the
same numbered passages.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from assistant.answerability import AnswerabilityGate, Verdict
from assistant.question_types import QuestionType, detect
from assistant.search import Hit, SearchService
from assistant.settings import AnswerSettings, SearchMode
from connectors.text import fold
from guardrails.injection import instruction_in
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
    # Key terms of the question that the documents lack (« Wallis-et-Futuna », « 2031 »).
    missing_terms: list[str] = field(default_factory=list)
    question_type: str = QuestionType.OTHER.value  # the fact asked for (question_types.py)
    answerability: float | None = None  # the gate's probability that the documents answer

    @property
    def cited_paths(self) -> list[str]:
        """Distinct cited source paths, in citation order."""
        return list(dict.fromkeys(citation.source_path for citation in self.citations))


class Writer(Protocol):
    """Writes an answer from numbered passages (1-based, in the list's order)."""

    name: str

    def stream(self, question: str, passages: Sequence[Hit]) -> Iterator[str]:
        """The answer's text, piece by piece, with ``[n]`` markers."""
        ...


_MARKER = re.compile(r"\[(\d{1,2})\]")
PER_DOCUMENT = 4  # passages kept per document, so a writer also sees the next documents


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


def lead(documents: Sequence[Sequence[Hit]], first: str) -> list[Sequence[Hit]]:
    """The documents with ``first`` (a source path) moved to the front."""
    return [d for d in documents if d[0].source_path == first] + [
        d for d in documents if d[0].source_path != first
    ]


def not_found(missing: Sequence[str], closest: Sequence[Citation]) -> str:
    """The abstention: what was not found, and where the nearest documents are."""
    if not missing:
        return ABSTENTION
    named = ", ".join(f"« {term} »" for term in missing)
    text = f"Je n'ai rien trouvé sur {named} dans les documents indexés."
    if closest:
        first = closest[0]
        text += f" Le plus proche : « {first.title or first.display_path} » [{first.number}]."
    return text + " Vérifiez les sources ci-dessous, ou reformulez avec les mots du domaine."


# A model's way of saying the passages do not answer (the system prompt's sentence, or not).
_NO_ANSWER = re.compile(
    r"je n'ai (?:pas|rien) trouve|les passages (?:fournis )?ne (?:permettent|contiennent|"
    r"mentionnent|precisent|disent) pas|aucun (?:des )?passages? ne|ne permettent pas de repondre"
)


def says_no_answer(text: str) -> bool:
    """True when a written answer says the passages do not answer."""
    return bool(_NO_ANSWER.search(fold(text).replace("’", "'")[:300]))


class AnswerService:
    """Retrieve passages for a question, judge whether they answer, and answer or abstain."""

    def __init__(
        self,
        search: SearchService,
        writer: Writer,
        settings: AnswerSettings,
        gate: AnswerabilityGate | None = None,
    ) -> None:
        self.search_service = search
        self.writer = writer
        self.settings = settings
        self.gate = gate  # None: answer whenever passages are found (tests of plumbing)

    def passages(self, documents: Sequence[Sequence[Hit]]) -> list[Hit]:
        """The passages to answer from: a few of each document, best document first.

        Documents come in the order given: the search's (one that matches in several
        places before one that matches once), or with the document holding the question's
        key terms moved first (``lead``).
        """
        ranked = [hit for hits in documents for hit in hits[:PER_DOCUMENT]]
        return ranked[: self.settings.passages]

    def evidence(self, hits: Sequence[Hit]) -> float | None:
        """How close the best passage is to the question (cosine), None without dense."""
        scores = [hit.similarity for hit in hits if hit.similarity is not None]
        return max(scores) if scores else None

    def judge(
        self,
        question: str,
        *,
        filters: SearchFilters | None = None,
        mode: SearchMode | None = None,
    ) -> Verdict | None:
        """The gate's verdict on a question as ``stream`` reaches it, every signal measured.

        None without gate or without passages.
        """
        result, documents = self.search_service.search_documents(
            question, filters=filters, mode=mode
        )
        return self._verdict(result.query, documents, every_signal=True)

    def _verdict(
        self, query: str, documents: Sequence[Sequence[Hit]], *, every_signal: bool = False
    ) -> Verdict | None:
        hits = self.passages(documents)
        if self.gate is None or not hits:
            return None
        return self.gate.judge(query, documents, self.evidence(hits), every_signal=every_signal)

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
        verdict = self._verdict(result.query, documents)
        kind = detect(result.query)
        if verdict is not None and verdict.answerable and verdict.documents:
            # Cite what answers: the document holding the question's key terms goes first
            # (citation precision 0.81 -> 0.84 on the tuning half).
            hits = self.passages(lead(documents, verdict.documents[0]))
        passages = list(hits) if hits and (verdict is None or verdict.answerable) else []
        numbered = [_citation(i, hit, hit.snippet(300)) for i, hit in enumerate(passages, 1)]
        yield AnswerEvent("sources", sources=numbered or _closest(hits))
        pieces: list[str] = []
        if passages:
            for piece in self.writer.stream(result.query, passages):
                pieces.append(piece)
                yield AnswerEvent("text", text=piece)
        text = "".join(pieces).strip()
        cited = sorted({int(n) for n in _MARKER.findall(text) if 1 <= int(n) <= len(passages)})
        abstained = not cited or says_no_answer(text)
        missing = verdict.missing_terms if verdict is not None else []
        sources = _closest(hits) if abstained else []
        if abstained:
            # Nothing cited, or a model saying the passages do not answer: no answer is
            # trusted, whatever was written. Only missing terms that the gate held against
            # the documents are named.
            named = missing if verdict is not None and not verdict.answerable else []
            final = not_found(named, sources)
            if not says_no_answer(text):  # a model that said so already is not repeated
                yield AnswerEvent("text", text=("\n\n" if text else "") + final)
            text = final
        citations = [] if abstained else self._citations(text, passages, cited)
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
            missing_terms=list(missing),
            question_type=kind.value,
            answerability=verdict.probability if verdict is not None else None,
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
