"""``POST /ask``: an answer with citations, whole or as server-sent events."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from assistant.answering import Answer, AnswerEvent
from assistant.api.deps import Address, Caller, Parts
from assistant.api.schemas import AskRequest
from connectors.errors import BoussoleError

logger = logging.getLogger(__name__)

router = APIRouter(tags=["réponses"])


def _sse(events: Iterator[AnswerEvent], done: Callable[[Answer], Any]) -> Iterator[str]:
    """Server-sent events: ``sources``, then ``text`` pieces, then the whole ``answer``.

    An error after the stream has started cannot change the status code: it becomes an
    ``error`` event with the same French message as the JSON errors.
    """

    def event(name: str, data: Any) -> str:
        return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

    try:
        for item in events:
            if item.kind == "sources":
                yield event("sources", [asdict(source) for source in item.sources])
            elif item.kind == "text":
                yield event("text", {"text": item.text})
            elif item.answer is not None:
                done(item.answer)
                yield event("answer", asdict(item.answer))
    except BoussoleError as exc:
        yield event("error", {"code": exc.code, "message": exc.message})
    except Exception:
        logger.exception("Answer stream failed")
        yield event("error", {"code": "erreur_interne", "message": "Erreur interne du serveur."})


@router.post(
    "/ask",
    response_model=Answer,
    summary="Répondre à une question, avec citations",
    description="Une réponse écrite à partir des passages indexés, chaque affirmation renvoyant "
    "à sa source ; abstention quand les documents ne répondent pas. En flux (événements SSE "
    "sources, text, answer) avec « stream » ou « Accept: text/event-stream ».",
    responses={200: {"content": {"text/event-stream": {}}}},
)
def ask(request: AskRequest, http: Request, parts: Parts, reader: Caller, address: Address) -> Any:
    """Plain ``def``: the answer is written in the thread pool (a stream, piece by piece)."""
    answerer = parts.answer_service(reader)
    filters = request.filters.search_filters()

    def audited(answer: Answer) -> Answer:
        shown = answer.sources if answer.abstained else answer.citations
        documents = [c.source_path for c in shown]
        parts.audit(reader, "/ask", request.question, documents, address=address)
        return answer

    if request.stream or "text/event-stream" in http.headers.get("accept", ""):
        events = answerer.stream(request.question, filters=filters, mode=request.mode)
        return StreamingResponse(_sse(events, audited), media_type="text/event-stream")
    return audited(answerer.answer(request.question, filters=filters, mode=request.mode))
