"""What a running server holds: the index, the services over it, who calls, what is counted.

One ``Runtime`` is built by ``create_app`` and shared by the API's routes (a dependency)
and the chat (``ui/``). On the embedded index it also follows the index's generations
(``indexing/generations.py``): when a reindex publishes a new one, the runtime opens it
beside the one in use and switches between two requests.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request

from assistant import factory
from assistant.answerability import AnswerabilityGate
from assistant.answering import AnswerService, Writer
from assistant.audit import AuditLog
from assistant.links import CatalogueLinks
from assistant.llm import make_writer
from assistant.search import SearchService
from assistant.security import (
    UNKNOWN_CLIENT,
    ApiKeys,
    AuthenticationError,
    RateLimiter,
    header_identity,
    presented_key,
)
from assistant.settings import Settings
from assistant.usage import UsageMetrics
from connectors.errors import BoussoleError, IndexUnavailableError
from guardrails.access import Reader
from indexing.embedding import DenseEmbedder
from indexing.generations import IndexGenerations, ServingRecord
from indexing.store import QdrantStore

logger = logging.getLogger(__name__)

# How often the server looks for a new generation of the embedded index (one stat).
GENERATION_POLL_S = 1.0
# How long the catalogue links of a group of readers are reused (the register's files and a
# Qdrant server's index may change without the server being told).
LINKS_TTL_S = 30.0
LINKS_KEPT = 256


@dataclass
class Served:
    """One generation of the index and the services over it, swapped as a whole.

    A request takes ``runtime.served`` once and keeps it: it sees one generation from its
    first search to its last, even if the server switches meanwhile. The old generation
    is closed when the last request holding it lets it go (Qdrant's client closes itself
    when collected).
    """

    store: QdrantStore
    service: SearchService | None
    folder: Path | None = None  # the embedded index's folder; None on a Qdrant server
    unavailable: str | None = None  # why search is off (an index built for another model)
    gate: AnswerabilityGate | None = None  # built on first use: it caches index counts


def _service(served: Served | None) -> SearchService:
    """The search service of ``served``; a French reason when there is none."""
    if served is None or served.service is None:
        raise IndexUnavailableError(
            (served.unavailable if served else None)
            or "Le service démarre ; réessayez dans un instant."
        )
    return served.service


def _stamp(settings: Settings) -> tuple[int, int] | None:
    """The register file's version (size, modification time); None without one."""
    path = settings.conventions.register_file
    try:
        stat = path.stat() if path is not None else None
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns) if stat is not None else None


def client_address(request: Request) -> str:
    """The caller's address: the peer, or what a trusted proxy forwarded (``IdentityHeaders``)."""
    return request.client.host if request.client else UNKNOWN_CLIENT


class Runtime:
    """Parts built once at start-up, shared by the API and the chat (``app.state.runtime``).

    Services come per reader: the same index, model and settings, seeing only what the
    reader's groups may see.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.served: Served | None = None
        self.embedder: DenseEmbedder | None = None
        self.writer: Writer | None = None
        self.model: str = ""
        security = settings.security
        self.api_keys = ApiKeys.watching(security.api_keys_file) if security.api_keys_file else None
        self.limiter = RateLimiter(security.rate_limit)
        self.audit_log = (
            AuditLog(settings.audit_file, settings.audit) if settings.audit.enabled else None
        )
        # Other ways to know a caller (the chat's session, added by ui/server.py).
        self.identities: list[Callable[[Request], Reader | None]] = []
        self.usage = UsageMetrics()
        local = settings.qdrant.url is None
        self.generations = IndexGenerations(settings.qdrant_path) if local else None
        self.serving = ServingRecord(settings.data_dir / "state" / "serving.json")
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._refused: Path | None = None  # a generation that could not be opened
        self._links: dict[tuple[object, ...], tuple[float, CatalogueLinks]] = {}
        self._links_lock = threading.Lock()

    # -- start, switch, stop ---------------------------------------------------------------
    def start(self) -> None:
        """Load the model, open the index in use, and follow its generations (embedded)."""
        self.embedder = factory.load_embedder(self.settings)
        self.model = self.embedder.name
        folder = self.generations.live() if self.generations is not None else None
        self.served = self._open(folder)
        if self.served.unavailable:  # serve /health and say why search is off
            logger.error("Search unavailable: %s", self.served.unavailable)
        if self.generations is not None and folder is not None:
            self.serving.announce(folder)
            self._watcher = threading.Thread(
                target=self._watch, name="index-generations", daemon=True
            )
            self._watcher.start()

    def stop(self) -> None:
        """Stop following generations and release the index."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=10)
        if self.generations is not None:
            self.serving.withdraw()
        if self.served is not None:
            self.served.store.close()

    def serve(self, store: QdrantStore, service: SearchService | None) -> None:
        """Serve ``store`` through ``service`` (tests that build their own parts)."""
        self.served = Served(store, service)

    def switch(self, folder: Path) -> bool:
        """Open generation ``folder`` and serve it from the next request; False if it fails.

        The new index is opened and warmed beside the old one (memory holds both for a
        moment), so that the first search after the switch is as fast as the others.
        """
        try:
            served = self._open(folder)
        except Exception:
            logger.exception(
                "Index generation %s cannot be opened: still serving the old one", folder
            )
            return False
        if served.unavailable:
            logger.error("Index generation %s refused: %s", folder, served.unavailable)
            served.store.close()
            return False
        self.served = served
        self.serving.announce(folder)
        logger.info("Now serving index generation %s", folder.name)
        return True

    def _open(self, folder: Path | None) -> Served:
        """Open the index in ``folder`` (None: the server's) with services over it, warmed.

        A switch reuses the services in use (model, reranker, ranker), only the index changes.
        """
        store = factory.open_store(self.settings, folder=folder)
        embedder = self.embedder
        assert embedder is not None
        in_use = self.served.service if self.served is not None else None
        try:
            if in_use is None:
                service = factory.make_search_service(self.settings, embedder, store)
            else:
                problem = store.incompatibility(dim=embedder.dim, model=embedder.name)
                if problem:
                    raise IndexUnavailableError(problem)
                service = in_use.over(store)
            store.warm()
        except IndexUnavailableError as exc:
            return Served(store, None, folder, unavailable=exc.message)
        except BaseException:
            store.close()
            raise
        return Served(store, service, folder)

    def _watch(self) -> None:
        """Poll the generation pointer; switch when it names another folder."""
        assert self.generations is not None
        while not self._stop.wait(GENERATION_POLL_S):
            try:
                live = self.generations.live()
            except IndexUnavailableError as exc:
                if self._refused is None:
                    logger.error("%s", exc.message)
                    self._refused = self.generations.pointer
                continue
            current = self.served.folder if self.served is not None else None
            if live != current and live != self._refused:
                self._refused = None if self.switch(live) else live

    # -- callers ---------------------------------------------------------------------------
    def reader(self, request: Request) -> Reader:
        """Who calls: an API key, a trusted proxy's user, another identity, else anonymous."""
        proxy_login = bool(self.settings.security.trusted_proxies) and (
            header_identity(request.headers) is not None
        )
        key = presented_key(request.headers, proxy_login=proxy_login)
        if key is not None:
            if self.api_keys is None:
                raise AuthenticationError(
                    "Clé d'API refusée : aucune clé n'est configurée (réglage "
                    "security.api_keys_file)."
                )
            return self.api_keys.reader(key)
        if self.settings.security.trusted_proxies:  # headers of anyone else were removed
            named = header_identity(request.headers)
            if named is not None:
                return Reader.of(*named)
        for identify in self.identities:
            found = identify(request)
            if found is not None:
                return found
        return Reader.anonymous()

    def admit(self, reader: Reader, request: Request) -> None:
        """Count the request against the caller's rate (anonymous ones by address)."""
        known = reader.name != Reader.anonymous().name
        self.limiter.check(reader.name if known else f"adresse:{client_address(request)}")

    # -- services --------------------------------------------------------------------------
    def search_service(self, reader: Reader) -> SearchService:
        """The search service for ``reader``; a French reason when the index is off."""
        return _service(self.served).as_reader(reader)

    def answer_service(self, reader: Reader) -> AnswerService:
        """The answer service for ``reader`` (writer and gate built on first use).

        Search and gate come from the same generation (the gate caches its counts).
        """
        served = self.served
        service = _service(served)
        assert served is not None
        if self.writer is None:
            self.writer = make_writer(self.settings.answer, service.sparse, service.expander)
        if served.gate is None:
            served.gate = factory.make_gate(self.settings, service)
        return factory.make_answer_service(
            self.settings, service.as_reader(reader), writer=self.writer, gate=served.gate
        )

    def links(self, search: SearchService) -> CatalogueLinks | None:
        """Convention-record links ``search``'s reader may see (None: register unreadable).

        Reading them means parsing the register and scrolling the catalogue: they are kept
        ``LINKS_TTL_S`` per index, register version and set of groups, so that a dataset
        search does not pay for it each time.
        """
        key = (id(search.store), search.reader.allowed(), _stamp(self.settings))
        now = time.monotonic()
        with self._links_lock:
            kept = self._links.get(key)
            if kept is not None and now - kept[0] < LINKS_TTL_S:
                return kept[1]
        try:
            links = factory.catalogue_links(self.settings, search)
        except BoussoleError as exc:
            logger.warning("Conventions register unavailable for links: %s", exc.message)
            return None
        with self._links_lock:
            fresh = {k: v for k, v in self._links.items() if now - v[0] < LINKS_TTL_S}
            self._links = dict(list(fresh.items())[-LINKS_KEPT + 1 :]) | {key: (now, links)}
        return links

    def chunks(self) -> int:
        """Passages in the index served now (0 before the start)."""
        return self.served.store.count() if self.served is not None else 0

    def audit(
        self,
        reader: Reader,
        endpoint: str,
        query: str,
        documents: Iterable[str],
        *,
        address: str | None = None,
    ) -> None:
        """One line of the audit log (when it is on); ``address``: the caller's client."""
        if self.audit_log is not None:
            self.audit_log.record(
                user=reader.name,
                endpoint=endpoint,
                query=query,
                documents=documents,
                address=address,
            )
