"""What the chat works with: the API's running parts, shared, never built twice.

``create_server_app`` binds one ``ChatParts`` when it mounts the chat; Chainlit's
callbacks (a module Chainlit loads by file path) find it with ``current()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.answering import AnswerService
from assistant.api import Runtime
from assistant.links import CatalogueLinks
from assistant.search import SearchService
from assistant.settings import Settings
from connectors.errors import BoussoleError
from ui.feedback import FeedbackStore


@dataclass
class ChatParts:
    """The API's parts as the chat needs them, and where feedback and documents live."""

    settings: Settings
    runtime: Runtime
    feedback: FeedbackStore
    documents_root: Path | None

    def search_service(self) -> SearchService:
        """The API's search service; a French reason when the index cannot be searched."""
        return self.runtime.search_service()

    def answers(self) -> AnswerService:
        """The API's answer service, shared with the API."""
        return self.runtime.answer_service()

    def links(self) -> CatalogueLinks | None:
        """Conventions-to-records links; an unreadable register only loses the links."""
        return self.runtime.links()


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
