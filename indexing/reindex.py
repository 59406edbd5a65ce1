"""The weekly reindex: every declared source brought up to date, one source at a time.

For each source the run reads its documents, indexes the new and changed ones (unchanged
ones are skipped without re-embedding), then removes the documents the source no longer
has. A source that fails (server down, share not mounted) keeps what it had indexed and is
reported failed; the others go on. A source that suddenly yields no document at all is
treated as a failure, not as "delete everything", unless the run allows it.

One run at a time: a lock file holds the running process's id; a second run stops at once,
and a lock left by a killed run is recognised (its process is gone) and taken over.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from connectors.base import SkippedDocument, SourceDocument, UnchangedFile
from connectors.conventions.document import ConventionEnricher
from connectors.errors import BoussoleError
from connectors.files import FilesConnector
from indexing.generations import process_alive
from indexing.pipeline import STATUS_LABELS, IndexingPipeline, IndexReport, RunStatus
from indexing.store import QdrantStore, SearchFilters

logger = logging.getLogger(__name__)

Items = Iterable[SourceDocument | SkippedDocument | UnchangedFile]
Known = Mapping[str, str]  # source path -> file stamp the index holds (complete, current)


class ReindexLocked(BoussoleError):
    """Another reindex holds the lock."""

    code = "reindexation_en_cours"
    http_status = 409


@dataclass(frozen=True)
class Source:
    """A declared source: its name, access groups, and how to read it."""

    name: str
    # Reads the source; may raise (the source is then failed, its documents kept). It is
    # given the file stamps the index holds, to skip files it already has as they are.
    read: Callable[[Known], Items]
    groups: tuple[str, ...] = ()
    # Whether a run sees every document of the source (a folder; a full catalogue harvest).
    # Only then can documents missing from it be deleted.
    complete: Callable[[], bool] = lambda: True
    # Things to fix that the read found without failing (dictionary and database disagree).
    notices: Callable[[], list[str]] = lambda: []


class SourceStatus(StrEnum):
    """How a source's part of the run ended."""

    SUCCESS = "succes"
    PARTIAL = "partiel"  # some documents skipped, the rest indexed
    FAILED = "echec"  # nothing changed in the index for this source

    @property
    def label(self) -> str:
        """The word a person reads, with its accents (the value is the history's code)."""
        return STATUS_LABELS[self.value]


@dataclass
class SourceReport:
    """What the run did to one source."""

    name: str
    status: SourceStatus = SourceStatus.SUCCESS
    seen: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    error: str | None = None
    pii: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0


@dataclass
class ReindexReport:
    """A whole run: one report per source, kept in the history."""

    started_at: str
    host: str
    full: bool
    sources: list[SourceReport] = field(default_factory=list)
    duration_s: float = 0.0
    quality: dict[str, Any] | None = None  # the guard's figures, when a question file is set

    @property
    def degraded(self) -> bool:
        """Whether retrieval quality fell by more than allowed since the previous run."""
        return bool(self.quality and self.quality.get("degraded"))

    @property
    def status(self) -> RunStatus:
        """Success when every source succeeded, failure when none did, else partial."""
        statuses = {source.status for source in self.sources}
        if not statuses or statuses == {SourceStatus.SUCCESS}:
            return RunStatus.SUCCESS
        if statuses == {SourceStatus.FAILED}:
            return RunStatus.FAILURE
        return RunStatus.PARTIAL

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types, status included."""
        data = asdict(self)
        data["status"] = self.status.value
        data["degraded"] = self.degraded
        for source in data["sources"]:
            source["status"] = str(source["status"])
        return data


class RunLock:
    """A lock file naming the process that holds it; stale when that process is gone."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.recovered: dict[str, Any] | None = None  # the stale lock taken over, if any

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "since": _now()}
        for _ in range(2):
            try:
                descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                current = self._holder()
                if current is not None and _alive(current):
                    raise ReindexLocked(
                        "Une réindexation est déjà en cours (processus "
                        f"{current.get('pid')} sur {current.get('host')}, depuis "
                        f"{current.get('since')}). Attendez sa fin."
                    ) from None
                logger.warning("Stale reindex lock %s (%s): taken over", self.path, current)
                self.recovered = current or {}
                self.path.unlink(missing_ok=True)
                continue
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(holder, handle)
            return self
        raise ReindexLocked(f"Verrou {self.path} impossible à prendre ; réessayez.")

    def __exit__(self, *_: object) -> None:
        self.path.unlink(missing_ok=True)

    def _holder(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return None  # half-written by a killed run: stale
        return data if isinstance(data, dict) else None


def _alive(holder: dict[str, Any]) -> bool:
    """Whether the lock's process still runs (a lock from another host is trusted)."""
    if holder.get("host") != socket.gethostname():
        return True
    try:
        return process_alive(int(holder.get("pid", -1)))
    except (TypeError, ValueError):
        return False


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Reindexer:
    """Run the declared sources through the pipeline, and remove what they no longer have."""

    def __init__(self, pipeline: IndexingPipeline, store: QdrantStore) -> None:
        self.pipeline = pipeline
        self.store = store

    def run(
        self, sources: Iterable[Source], *, full: bool = False, allow_empty: bool = False
    ) -> ReindexReport:
        """One pass over the sources; never raises for a source's failure."""
        started = time.perf_counter()
        report = ReindexReport(started_at=_now(), host=socket.gethostname(), full=full)
        for source in sources:
            report.sources.append(self._source(source, full=full, allow_empty=allow_empty))
        report.duration_s = round(time.perf_counter() - started, 3)
        return report

    def _source(self, source: Source, *, full: bool, allow_empty: bool) -> SourceReport:
        started = time.perf_counter()
        result = SourceReport(name=source.name)
        before = self.store.document_versions(source=source.name)
        known = {} if full else self._known(source, before)
        items = _Collected(source, known, before)
        try:
            first = items.peek()
            if first is None and before and not allow_empty:
                raise _EmptySource(
                    f"la source n'a rendu aucun document alors que {len(before)} sont indexés : "
                    "traité comme une panne (rien n'est supprimé ; --allow-empty pour vider)"
                )
            indexed = self.pipeline.run(items, root=source.name, force=full)
        except Exception as exc:  # the source, not the run, has failed
            result.status = SourceStatus.FAILED
            result.error = exc.message if isinstance(exc, BoussoleError) else _describe(exc)
            logger.warning("Source %s failed: %s", source.name, result.error)
            result.duration_s = round(time.perf_counter() - started, 3)
            return result
        self._count(result, indexed, before, items)
        result.notices = [*source.notices(), *indexed.notices]
        gone = sorted(doc for doc in set(before) - items.seen if not items.kept(doc))
        if gone and source.complete():
            self.store.delete_documents(gone)
            result.deleted = len(gone)
        if indexed.skipped or indexed.errors:
            result.status = SourceStatus.PARTIAL
        result.duration_s = round(time.perf_counter() - started, 3)
        return result

    def _known(self, source: Source, before: dict[str, str]) -> dict[str, str]:
        """File stamps of the files whose documents are all stored whole, by these settings."""
        suffix = "-" + self.pipeline.fingerprint
        stamps: dict[str, set[str]] = {}
        rows = self.store.payloads(
            ["doc_id", "source_path", "file_stamp"], SearchFilters(source=source.name), opened=True
        )
        for row in rows:
            version = before.get(str(row.get("doc_id")), "")
            stamp = row.get("file_stamp") if version.endswith(suffix) else None
            stamps.setdefault(str(row.get("source_path")), set()).add(str(stamp))
        return {
            path: next(iter(s)) for path, s in stamps.items() if len(s) == 1 and "None" not in s
        }

    @staticmethod
    def _count(
        result: SourceReport, indexed: IndexReport, before: dict[str, str], items: _Collected
    ) -> None:
        result.seen = indexed.documents_seen + items.unchanged_documents
        result.unchanged = indexed.documents_unchanged + items.unchanged_documents
        result.added = sum(1 for doc_id in indexed.written_ids if doc_id not in before)
        result.updated = len(indexed.written_ids) - result.added
        result.skipped = [{"path": s.path, "reason": s.reason} for s in indexed.skipped]
        result.skipped += [{"path": "", "reason": error} for error in indexed.errors]
        result.pii = dict(indexed.pii_totals)


class _EmptySource(BoussoleError):
    code = "source_vide"


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__} : {text}" if text else type(exc).__name__


class _Collected:
    """A source's documents, tagged with the source, and the ids it yielded (kept or not)."""

    def __init__(self, source: Source, known: Known, before: Mapping[str, str]) -> None:
        self.source = source
        self.known = known
        self.by_path: dict[str, list[str]] = {}
        for doc_id in before:  # a catalogue file's records are "path#identifier"
            self.by_path.setdefault(doc_id.split("#", 1)[0], []).append(doc_id)
        self.unchanged_documents = 0  # documents of files skipped as already indexed
        self.seen: set[str] = set()
        self.skipped: set[str] = set()  # files that could not be read this time
        self._iterator: Iterator[SourceDocument | SkippedDocument | UnchangedFile] | None = None
        self._first: list[SourceDocument | SkippedDocument | UnchangedFile] = []

    def _items(self) -> Iterator[SourceDocument | SkippedDocument | UnchangedFile]:
        if self._iterator is None:
            self._iterator = iter(self.source.read(self.known))
        return self._iterator

    def peek(self) -> SourceDocument | SkippedDocument | UnchangedFile | None:
        """The first item, read now (a source that cannot be read fails here)."""
        if not self._first:
            first = next(self._items(), None)
            if first is None:
                return None
            self._first.append(first)
        return self._first[0]

    def __iter__(self) -> Iterator[SourceDocument | SkippedDocument]:
        for item in [*self._first, *self._items()]:
            if isinstance(item, UnchangedFile):
                # Its documents stay as they are: seen, counted, not re-read.
                ids = self.by_path.get(item.source_path, [])
                self.seen.update(ids)
                self.unchanged_documents += len(ids)
                continue
            if isinstance(item, SkippedDocument):
                self.skipped.add(item.source_path)
                yield item
                continue
            self.seen.add(item.doc_id)
            yield replace(
                item,
                access_groups=self.source.groups or item.access_groups,
                metadata={**item.metadata, "source": self.source.name},
            )
        self._first = []

    def kept(self, doc_id: str) -> bool:
        """A document of a file that turned bad keeps its indexed version: it is not gone."""
        path = doc_id.split("#", 1)[0]
        return path in self.skipped


def files_source(
    name: str,
    connector: FilesConnector,
    *,
    groups: tuple[str, ...] = (),
    enricher: ConventionEnricher | None = None,
    access: str = "",
) -> Source:
    """A folder; files the index holds as they are (same bytes, same context) are skipped.

    A file's stamp covers its bytes and everything else that shapes its documents here:
    the source, its groups, the access rules (``access``: their fingerprint), the kind the
    file gets and its register row.
    """
    context = [name, sorted(groups), access]

    def stamp(path: str, file_hash: str) -> str:
        row = enricher.row(path) if enricher else None
        parts = [file_hash, context, connector.kind_of(Path(path)), asdict(row) if row else None]
        return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]

    def read(known: Known) -> Iterator[SourceDocument | SkippedDocument | UnchangedFile]:
        def unchanged(path: str, file_hash: str) -> bool:
            return known.get(path) == stamp(path, file_hash)

        items = connector.scan_changed(unchanged)
        for item in enricher.documents(items) if enricher else items:
            if isinstance(item, SourceDocument) and "file_hash" in item.metadata:
                file_stamp = stamp(item.source_path, item.metadata["file_hash"])
                item = replace(item, metadata={**item.metadata, "file_stamp": file_stamp})
            yield item

    return Source(name, read, groups)


HISTORY_FILE = "reindex-history.jsonl"  # in the state folder: one JSON line per run


def runs_newest_first(state_dir: Path) -> Iterator[dict[str, Any]]:
    """The runs of the history, the last one first; a line cut by a crash is passed over."""
    try:
        lines = (state_dir / HISTORY_FILE).read_text("utf-8").splitlines()
    except OSError:
        return
    for line in reversed(lines):
        try:
            run = json.loads(line)
        except ValueError:
            continue
        if isinstance(run, dict):
            yield run


def write_history(report: ReindexReport, reports_dir: Path, state_dir: Path) -> Path:
    """The run's JSON report, and one line in the history that monitoring reads."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    stamp = report.started_at.replace(":", "").replace("-", "")
    path = reports_dir / f"reindex-{stamp}.json"
    data = report.to_json()
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), "utf-8")
    state_dir.mkdir(parents=True, exist_ok=True)
    with (state_dir / HISTORY_FILE).open("a", encoding="utf-8") as history:
        history.write(json.dumps(data, ensure_ascii=False) + "\n")
    return path
