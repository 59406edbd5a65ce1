"""The indexing run: documents -> chunks -> vectors -> Qdrant, with a run report.

Embeddings of several documents are computed in one batch (the model is the cost), and
a document's new chunks are written before its old ones are deleted, so a failure at
any point leaves the previous version searchable.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from connectors.base import SkippedDocument, SourceDocument, UnchangedFile
from guardrails.access import AccessPolicy
from guardrails.injection import DETECTOR_VERSION, find_instructions
from guardrails.pii import PiiRedactor
from guardrails.policy import PERSON
from indexing.chunking import Chunk, Chunker
from indexing.sparse import FrenchBm25
from indexing.store import ChunkRecord, QdrantStore

logger = logging.getLogger(__name__)

PIPELINE_VERSION = "4"  # bump when parsing or chunking changes: stored documents are redone
# Metadata that changes while the document does not (a table's row estimate and last
# analyse): outside the stored version, updated in place on unchanged documents.
VOLATILE_METADATA = frozenset({"freshness"})
# The payload field people see and search instead of ``source_path`` (names replaced).
DISPLAY_PATH = "display_path"
HIDDEN_PATH = "(chemin masqué)"


class PassageEmbedder(Protocol):
    """What the pipeline needs of a dense model."""

    name: str

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        """Vectors of passages."""
        ...


class RunStatus(StrEnum):
    """Outcome of a run, also given as the process exit code.

    The values are machine codes kept in reports and histories; people read ``label``.
    """

    SUCCESS = "succes"
    PARTIAL = "partiel"
    FAILURE = "echec"

    @property
    def label(self) -> str:
        """The word a person reads, with its accents."""
        return STATUS_LABELS[self.value]


# What the machine codes of run and source statuses read as, for people.
STATUS_LABELS = {"succes": "succès", "partiel": "partiel", "echec": "échec"}


@dataclass
class SkippedFile:
    """A file left out of the index, and why."""

    path: str
    reason: str


@dataclass
class IndexReport:
    """What a run did; written as JSON and summarised on the terminal."""

    root: str
    started_at: str
    status: RunStatus = RunStatus.SUCCESS
    documents_seen: int = 0
    documents_indexed: int = 0
    documents_unchanged: int = 0
    # Documents written by this run, as people may see them: a name in a folder or file
    # name is replaced (``display_path``); ``written_ids`` keeps the keys, out of the JSON.
    indexed_ids: list[str] = field(default_factory=list)
    written_ids: list[str] = field(default_factory=list)
    chunks_written: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Things to fix that did not stop a document (a register row with no file...).
    notices: list[str] = field(default_factory=list)
    # Personal data replaced, per document and entity type: counts only, never values.
    pii: dict[str, dict[str, int]] = field(default_factory=dict)
    pii_totals: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0
    timings_s: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON types."""
        data = asdict(self)
        data["status"] = self.status.value
        del data["written_ids"]
        return data

    def write(self, folder: Path) -> Path:
        """Write the report under ``folder`` and return its path."""
        folder.mkdir(parents=True, exist_ok=True)
        stamp = self.started_at.replace(":", "").replace("-", "")
        path = folder / f"index-{stamp}.json"
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=2), "utf-8")
        return path


def path_prefixes(source_path: str) -> list[str]:
    """Every folder above a path, for prefix filters: a/b/c.md -> [a, a/b]."""
    parents = PurePosixPath(source_path).parents
    return [str(parent) for parent in reversed(parents) if str(parent) != "."]


class IndexingPipeline:
    """Index a connector's documents into the store."""

    def __init__(
        self,
        *,
        redactor: PiiRedactor,
        embedder: PassageEmbedder,
        sparse: FrenchBm25,
        chunker: Chunker,
        store: QdrantStore,
        access: AccessPolicy | None = None,
        batch_chunks: int = 64,
    ) -> None:
        self.redactor = redactor
        self.access = access or AccessPolicy()
        self.embedder = embedder
        self.sparse = sparse
        self.chunker = chunker
        self.store = store
        self.batch_chunks = batch_chunks
        self.fingerprint = hashlib.sha256(
            json.dumps(
                [
                    PIPELINE_VERSION,
                    DETECTOR_VERSION,  # suspect_instructions is worked out anew
                    redactor.fingerprint,
                    embedder.name,
                    chunker.max_tokens,
                    chunker.min_tokens,
                    chunker.passage_prefix,
                ]
            ).encode()
        ).hexdigest()[:12]

    def version_of(self, document: SourceDocument) -> str:
        """A document's stored version: its content, metadata and the settings that shaped it.

        Metadata and access groups count because they can change while the file does not
        (a register row edited by the DPO, a new access rule).
        """
        lasting = {k: v for k, v in document.metadata.items() if k not in VOLATILE_METADATA}
        metadata = json.dumps(
            [lasting, document.access_groups],
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
        stamp = hashlib.sha256(f"{document.content_hash}\x1f{metadata}".encode()).hexdigest()
        return f"{stamp[:20]}-{self.fingerprint}"

    def run(
        self,
        documents: Iterable[SourceDocument | SkippedDocument | UnchangedFile],
        *,
        root: str,
        force: bool = False,
    ) -> IndexReport:
        """Index every document; bad documents are reported, never fatal.

        ``force`` re-embeds documents even when their stored version is the same.
        """
        started = time.perf_counter()
        report = IndexReport(root=root, started_at=datetime.now(UTC).isoformat(timespec="seconds"))
        stored = self.store.document_versions()
        pending: list[tuple[SourceDocument, str, list[Chunk]]] = []
        timings = {
            "read": 0.0,
            "pii": 0.0,
            "chunk": 0.0,
            "embed": 0.0,
            "sparse": 0.0,
            "store": 0.0,
        }

        iterator = iter(documents)
        while True:
            tick = time.perf_counter()
            item = next(iterator, None)
            timings["read"] += time.perf_counter() - tick
            if item is None:
                break
            report.documents_seen += 1
            if isinstance(item, UnchangedFile):  # a file the index holds as it is
                report.documents_unchanged += 1
                continue
            if isinstance(item, SkippedDocument):
                shown = self._shown_path(item.source_path)
                report.skipped.append(SkippedFile(shown, item.reason))
                logger.warning("Skipped %s: %s", shown, item.reason)
                continue
            item = replace(item, access_groups=self.access.groups_for(item))
            version = self.version_of(item)
            if not force and stored.get(item.doc_id) == version:
                report.documents_unchanged += 1
                self._refresh(item)
                continue
            tick = time.perf_counter()
            document = self._redact(item, report)
            timings["pii"] += time.perf_counter() - tick
            if document is None:
                continue
            document = _flag_instructions(document, report)
            tick = time.perf_counter()
            chunks = self.chunker.chunk(document)
            timings["chunk"] += time.perf_counter() - tick
            pending.append((document, version, chunks))
            if sum(len(c) for _, _, c in pending) >= self.batch_chunks:
                self._flush(pending, report, timings)
        self._flush(pending, report, timings)

        report.pii_totals = dict(
            sum((Counter(counts) for counts in report.pii.values()), Counter()).most_common()
        )
        report.timings_s = {key: round(value, 3) for key, value in timings.items()}
        report.duration_s = round(time.perf_counter() - started, 3)
        if report.errors and not report.documents_indexed and not report.documents_unchanged:
            report.status = RunStatus.FAILURE
        elif report.skipped or report.errors:
            report.status = RunStatus.PARTIAL
        return report

    def _refresh(self, document: SourceDocument) -> None:
        """Bring an unchanged document's volatile fields up to date, without re-embedding."""
        volatile = {k: v for k, v in document.metadata.items() if k in VOLATILE_METADATA}
        if volatile:
            self.store.set_document_payload(document.doc_id, volatile)

    def _shown_path(self, path: str) -> str:
        """A path as reports and logs may show it: the names in it replaced."""
        try:
            return self.redactor.redact_path(path)
        except Exception:  # the guard is down: show no part of the path that could name
            logger.exception("PII analysis failed on a path")
            return HIDDEN_PATH

    def _redact(self, document: SourceDocument, report: IndexReport) -> SourceDocument | None:
        """The document with its personal data replaced, or None (skipped) if that fails.

        Its display path goes in its metadata (``display_path``), for the payload.
        """
        try:
            redaction = self.redactor.redact_document(document)
        except Exception as exc:  # fail closed: an unanalysed document is never indexed
            shown = self._shown_path(document.source_path)
            logger.exception("PII analysis failed on %s", shown)
            reason = f"analyse des données personnelles impossible ({exc}) : document non indexé"
            report.skipped.append(SkippedFile(shown, reason))
            return None
        shown = redaction.display_path
        if redaction.counts:
            report.pii[shown] = dict(sorted(redaction.counts.items()))
        if redaction.path_counts:
            what = (
                "un nom de personne"
                if PERSON in redaction.path_counts
                else "une donnée personnelle"
            )
            report.notices.append(f"chemin contenant {what}, affiché comme « {shown} »")
        metadata = {**redaction.document.metadata, DISPLAY_PATH: shown}
        return replace(redaction.document, metadata=metadata)

    def _flush(
        self,
        pending: list[tuple[SourceDocument, str, list[Chunk]]],
        report: IndexReport,
        timings: dict[str, float],
    ) -> None:
        if not pending:
            return
        texts = [chunk.embed_text for _, _, chunks in pending for chunk in chunks]
        tick = time.perf_counter()
        dense = self.embedder.embed_passages(texts)
        timings["embed"] += time.perf_counter() - tick
        tick = time.perf_counter()
        sparse = self.sparse.embed_documents(texts)
        labels = self.sparse.embed_labels(
            [label_text(document, chunk) for document, _, chunks in pending for chunk in chunks]
        )
        timings["sparse"] += time.perf_counter() - tick
        tick = time.perf_counter()
        position = 0
        for document, version, chunks in pending:
            records = []
            for chunk in chunks:
                records.append(
                    ChunkRecord(
                        doc_id=document.doc_id,
                        index=chunk.index,
                        dense=dense[position],
                        sparse=sparse[position],
                        sparse_label=labels[position],
                        payload=_payload(document, chunk),
                    )
                )
                position += 1
            try:
                self.store.replace_document(document.doc_id, version, records)
            except Exception as exc:  # one document's failure must not stop the run
                logger.exception("Could not store %s", display_id(document))
                report.errors.append(f"{display_path(document)} : écriture impossible ({exc})")
                continue
            report.documents_indexed += 1
            report.indexed_ids.append(display_id(document))
            report.written_ids.append(document.doc_id)
            report.chunks_written += len(records)
        timings["store"] += time.perf_counter() - tick
        pending.clear()


def _flag_instructions(document: SourceDocument, report: IndexReport) -> SourceDocument:
    """Mark a document whose text addresses the assistant, and say so in the report.

    It is indexed all the same, as text: nothing indexed is ever obeyed.
    """
    found = find_instructions(document)
    if not found:
        return document
    where = ", ".join(
        f"page {item.page}" if item.page else f"section {item.section + 1}" for item in found[:3]
    )
    report.notices.append(
        f"{display_path(document)} ({where}) : texte qui s'adresse à un assistant "
        f"(« {found[0].words} ») ; indexé comme simple texte, à vérifier"
    )
    logger.warning("Instructions aimed at the assistant in %s", display_path(document))
    return replace(document, metadata={**document.metadata, "suspect_instructions": True})


def display_path(document: SourceDocument) -> str:
    """The path people see and search: the redacted one the guard put in the metadata.

    A document that did not go through the guard has none: that is a bug, not a path
    to show.
    """
    return str(document.metadata[DISPLAY_PATH])


def display_id(document: SourceDocument) -> str:
    """The document id as people may see it ("path#record" with the path redacted)."""
    if document.doc_id.startswith(document.source_path):
        return display_path(document) + document.doc_id[len(document.source_path) :]
    return document.doc_id if display_path(document) == document.source_path else HIDDEN_PATH


def label_text(document: SourceDocument, chunk: Chunk) -> str:
    """What a chunk is called: title, heading and the words of its (display) path."""
    path = re.sub(r"[/_\-.]+", " ", display_path(document).rsplit(".", 1)[0])
    return f"{document.title} {chunk.heading or ''} {path}"


def _payload(document: SourceDocument, chunk: Chunk) -> dict[str, Any]:
    payload = {
        # The key that opens the file and that reindexing compares; never shown or searched
        # (see display_path). Folder filters follow what people see.
        "source_path": document.source_path,
        "path_prefixes": path_prefixes(display_path(document)),
        "kind": document.kind,
        "title": document.title,
        "file_type": document.file_type,
        "heading": chunk.heading,
        "page": chunk.page,
        "chunk_index": chunk.index,
        "text": chunk.text,
        "content_hash": document.content_hash,
        "modified": document.modified.isoformat(timespec="seconds"),
        "access_groups": list(document.access_groups),
    }
    clash = payload.keys() & document.metadata.keys()
    if clash:
        raise ValueError(f"metadata would overwrite payload fields: {sorted(clash)}")
    payload.update(document.metadata)
    return payload
