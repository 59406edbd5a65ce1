"""What the chat works with: the API's running parts, shared, never built twice.

``create_server_app`` binds one ``ChatParts`` when it mounts the chat; Chainlit's
callbacks (a module Chainlit loads by file path) find it with ``current()``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from assistant import factory
from assistant.answering import AnswerService
from assistant.links import CatalogueLinks
from assistant.search import SearchService
from assistant.settings import Settings
from connectors.errors import BoussoleError, IndexUnavailableError
from indexing.store import QdrantStore
from ui.feedback import FeedbackStore

logger = logging.getLogger(__name__)


class ApiRuntime(Protocol):
    """The parts ``assistant.api.create_app`` builds at start-up (its ``app.state.runtime``)."""

    store: QdrantStore | None
    service: SearchService | None
    answers: AnswerService | None
    unavailable: str | None


@dataclass
class ChatParts:
    """The API's parts as the chat needs them, and where feedback and documents live."""

    settings: Settings
    runtime: ApiRuntime
    feedback: FeedbackStore
    documents_root: Path | None

    def search_service(self) -> SearchService:
        """The API's search service; a French reason when the index cannot be searched."""
        if self.runtime.service is None:
            raise IndexUnavailableError(
                self.runtime.unavailable or "Le service démarre ; réessayez dans un instant."
            )
        return self.runtime.service

    def answers(self) -> AnswerService:
        """The API's answer service, built on first use and then shared with the API."""
        if self.runtime.answers is None:
            self.runtime.answers = factory.make_answer_service(self.settings, self.search_service())
        return self.runtime.answers

    def links(self) -> CatalogueLinks | None:
        """Conventions-to-records links; an unreadable register only loses the links."""
        if self.runtime.store is None:
            return None
        try:
            return factory.catalogue_links(self.settings, self.runtime.store)
        except BoussoleError as exc:
            logger.warning("Conventions register unavailable for links: %s", exc.message)
            return None


_bound: list[ChatParts] = []


def bind(parts: ChatParts) -> None:
    """Make ``parts`` the ones the chat uses (one chat per process, as Chainlit allows)."""
    _bound[:] = [parts]


def current() -> ChatParts:
    """The parts bound by ``create_server_app``."""
    if not _bound:
        raise BoussoleError(
            "Le chat n'est pas relié au service : lancez-le avec « boussole serve », "
            "pas avec « chainlit run »."
        )
    return _bound[0]
