"""What the chat works with: the API's running parts, shared, never built twice.

``create_server_app`` binds one ``ChatParts`` when it mounts the chat; Chainlit's
callbacks (a module Chainlit loads by file path) find it with ``current()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.answering import AnswerService
from assistant.links import CatalogueLinks
from assistant.runtime import Runtime
from assistant.search import SearchService
from assistant.settings import Settings
from connectors.errors import BoussoleError
from guardrails.access import Reader
from ui.feedback import FeedbackStore


@dataclass
class ChatParts:
    """The API's parts as the chat needs them, and where feedback and documents live."""

    settings: Settings
    runtime: Runtime
    feedback: FeedbackStore
    documents_root: Path | None

    def search_service(self, reader: Reader) -> SearchService:
        """The API's search service for ``reader``; a French reason when the index is off."""
        return self.runtime.search_service(reader)

    def answers(self, reader: Reader) -> AnswerService:
        """The API's answer service for ``reader``."""
        return self.runtime.answer_service(reader)

    def links(self, search: SearchService) -> CatalogueLinks | None:
        """Conventions-to-records links ``search``'s reader may see (None: register unreadable)."""
        return self.runtime.links(search)


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
