"""Structure-following chunking that always fits the embedding model's window.

Sections (a page, a heading, an article) are never merged across citation targets
except when a section is too small to stand alone; a long section is split on
paragraph and sentence boundaries by llama-index's ``SentenceSplitter`` using the
embedding model's own tokenizer, so a chunk's token count is exact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from connectors.base import Section, SourceDocument


@dataclass(frozen=True)
class Chunk:
    """A piece of a document small enough to embed whole, with its citation target."""

    doc_id: str
    index: int
    text: str
    embed_text: str
    page: int | None
    heading: str | None


TokenCounter = Callable[[str], int]


class Chunker:
    """Split documents into chunks of at most ``max_tokens`` model tokens."""

    def __init__(
        self,
        tokenize: Callable[[str], Sequence[int]],
        *,
        max_tokens: int,
        overlap_tokens: int,
        min_tokens: int,
        passage_prefix: str = "",
    ) -> None:
        self._tokenize = tokenize
        self.max_tokens = max_tokens
        self.min_tokens = min_tokens
        self.passage_prefix = passage_prefix
        self._overlap = overlap_tokens

    def count(self, text: str) -> int:
        """Model tokens of ``text`` as it will be embedded (prefix and special tokens)."""
        return len(self._tokenize(self.passage_prefix + text))

    @staticmethod
    def context_line(document: SourceDocument, heading: str | None) -> str:
        """The title and heading put in front of a chunk so it is found by its topic."""
        if heading and heading != document.title:
            return f"{document.title} — {heading}"
        return document.title

    def chunk(self, document: SourceDocument) -> list[Chunk]:
        """All chunks of a document, in reading order."""
        chunks: list[Chunk] = []
        for section in self._merge_small(document.sections):
            context = self.context_line(document, section.heading)
            budget = self.max_tokens - self.count(context + "\n")
            if budget < 16:  # an absurdly long heading: drop it from the embedded text
                context, budget = "", self.max_tokens - self.count("")
            for piece in self._split(section.text, budget):
                embed_text = f"{context}\n{piece}" if context else piece
                if self.count(embed_text) > self.max_tokens:  # boundary tokens differ
                    context, embed_text = "", piece
                chunks.append(
                    Chunk(
                        doc_id=document.doc_id,
                        index=len(chunks),
                        text=piece,
                        embed_text=embed_text,
                        page=section.page,
                        heading=section.heading,
                    )
                )
        return chunks

    def _merge_small(self, sections: Sequence[Section]) -> list[Section]:
        """Fold a tiny section (a lone heading line) into the next one on the same page."""
        merged: list[Section] = []
        pending: Section | None = None
        for section in sections:
            if pending is not None:
                if pending.page == section.page:
                    section = Section(
                        text=f"{pending.text}\n{section.text}",
                        heading=pending.heading if section.heading is None else section.heading,
                        page=section.page,
                    )
                else:
                    merged.append(pending)
                pending = None
            if self.count(section.text) < self.min_tokens:
                pending = section
            else:
                merged.append(section)
        if pending is not None:
            merged.append(pending)
        return merged

    def _split(self, text: str, budget: int) -> list[str]:
        if self.count(text) <= budget:
            return [text]
        # llama-index is slow to import; only long sections need it.
        from llama_index.core.node_parser import SentenceSplitter

        # SentenceSplitter counts raw tokens; keep a margin for the special tokens.
        size = max(16, budget - self.count(""))
        splitter = SentenceSplitter(
            chunk_size=size,
            chunk_overlap=min(self._overlap, size // 4),
            tokenizer=self._tokenize,
            paragraph_separator="\n\n",
        )
        pieces: list[str] = []
        for piece in splitter.split_text(text):
            pieces.extend(self._hard_split(piece, budget))
        return pieces

    def _hard_split(self, text: str, budget: int) -> list[str]:
        """Last resort for text with no sentence boundary: cut on words."""
        if self.count(text) <= budget:
            return [text]
        words = text.split()
        pieces: list[str] = []
        current: list[str] = []
        for word in words:
            if current and self.count(" ".join([*current, word])) > budget:
                pieces.append(" ".join(current))
                current = []
            current.append(word)
        if current:
            pieces.append(" ".join(current))
        return pieces
