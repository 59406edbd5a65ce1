"""The Chainlit chat, in French: three profiles over the assistant's services.

- Procédures (agents): an answer streamed as it is written, each ``[n]`` a clickable source
  that shows the quoted passage and opens the document at its page.
- Données (data stewards): catalogue records for a described need, with the conventions
  that share them.
- Conventions (DPO): the conventions that answer a question, with the filters read from it.

Embedded in another application (Chainlit's copilot widget), the host page may say what
its page is about with ``window.sendChainlitMessage({type: "system_message", output:
JSON})``: ``label`` (a short title), ``path_prefix`` (a folder of the indexed root) and
``dataset`` (a catalogue record's identifier). It is kept in the user session and the
answers favour it.

Chainlit loads this file by path when ``ui.server.create_server_app`` mounts the chat; the
decorators below register the callbacks then. The services are the API's own, found with
``ui.parts.current()``; nothing is built here.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import date
from typing import Any

import chainlit as cl
from starlette.datastructures import Headers

from assistant import users as auth
from assistant.answering import Answer, Citation
from assistant.conventions import ConventionResult, ConventionSearch
from assistant.datasets import DatasetCard, DatasetSearch
from connectors.errors import BoussoleError
from guardrails.access import Reader
from indexing.store import SearchFilters
from ui import parts, render
from ui.feedback import AnswerRecord, FeedbackDataLayer, FeedbackStore

logger = logging.getLogger("ui.chat")  # loaded by path: __name__ is the file

PROCEDURES = "Procédures"
DATASETS = "Données"
CONVENTIONS = "Conventions"
DATASET_CARDS = 5
CONVENTION_CARDS = 5
PAGE_CONTEXT = "page_context"  # what the host page of the widget is about
CONTEXT_FIELDS = ("label", "path_prefix", "dataset")
CONTEXT_CHARS = 200


@cl.data_layer
def feedback_layer() -> FeedbackDataLayer:
    """Feedback buttons, stored in the data folder's SQLite file."""

    def store() -> FeedbackStore:
        return parts.current().feedback

    return FeedbackDataLayer(store)


def _chainlit_user(user: auth.ChatUser, provider: str) -> cl.User:
    return cl.User(
        identifier=user.identifier,
        display_name=user.display_name,
        metadata={"groups": list(user.groups), "provider": provider},
    )


# Chainlit offers a login only if a callback exists when this module loads: the settings
# of the server that mounts the chat decide which ones.
_LOGIN = parts.current().settings.ui

if _LOGIN.users_file is not None:

    @cl.password_auth_callback
    async def password_login(username: str, password: str) -> cl.User | None:
        """A user of the users file, when the password matches."""
        path = _LOGIN.users_file
        if path is None:
            return None
        try:
            found = await asyncio.to_thread(auth.check_password, path, username, password)
        except BoussoleError as exc:
            logger.error("Login refused, users file unusable: %s", exc.message)
            return None
        return _chainlit_user(found, "credentials") if found else None


if parts.current().settings.security.trusted_proxies:

    @cl.header_auth_callback
    async def header_login(headers: Headers) -> cl.User | None:
        """The user the reverse proxy authenticated (headers from elsewhere are removed)."""
        found = auth.from_headers(headers)
        return _chainlit_user(found, "header") if found else None


@cl.set_chat_profiles
async def chat_profiles(user: cl.User | None, language: str | None = None) -> list[cl.ChatProfile]:
    """The three ways to ask, each with example questions."""
    return [
        cl.ChatProfile(
            name=PROCEDURES,
            markdown_description="Une réponse tirée des procédures et de la réglementation, "
            "chaque phrase reliée à sa source.",
            default=True,
            starters=[
                cl.Starter(label="Accès VPN", message="combien de temps pour avoir un accès VPN ?"),
                cl.Starter(
                    label="Violation de données",
                    message="dans quel délai déclarer une violation de données ?",
                ),
            ],
        ),
        cl.ChatProfile(
            name=DATASETS,
            markdown_description="Les fiches du catalogue qui répondent à un besoin de "
            "données, et les conventions qui les partagent.",
            starters=[
                cl.Starter(label="Limites des communes", message="limites des communes"),
                cl.Starter(label="Zones inondables", message="zones inondables à Dumbéa"),
            ],
        ),
        cl.ChatProfile(
            name=CONVENTIONS,
            markdown_description="Les conventions d'échange de données : statut, échéance, "
            "finalité, base légale, avec la page qui le dit.",
            starters=[
                cl.Starter(
                    label="Échéances CAFAT",
                    message="quelles conventions avec la cafat expirent avant mars ?",
                ),
                cl.Starter(
                    label="Fin d'année",
                    message="qu'est-ce qui arrive à échéance d'ici la fin de l'année ?",
                ),
            ],
        ),
    ]


# Chainlit leaves these two untyped; every call goes through here.
def _session(key: str) -> Any:
    return cl.user_session.get(key)  # type: ignore[no-untyped-call]


async def _send(message: cl.Message) -> cl.Message:
    await message.send()  # type: ignore[no-untyped-call]
    return message


def _linker(chat: parts.ChatParts) -> render.Linker:
    return render.document_url if chat.documents_root is not None else render.no_links


def _who() -> str | None:
    user = _session("user")
    return str(user.identifier) if user is not None else None


def _reader() -> Reader:
    """Who asks: the signed-in user and their groups, or anonymous when the chat is open."""
    user = _session("user")
    if user is None:
        return Reader.anonymous()
    groups = (user.metadata or {}).get("groups") or []
    return Reader.of(str(user.identifier), [str(group) for group in groups])


async def _record(chat: parts.ChatParts, message: cl.Message, question: str, **fields: Any) -> None:
    """Keep what was answered, for a later thumbs up or down on the message."""
    record = AnswerRecord(
        message_id=message.id,
        run_id=message.parent_id,
        question=question,
        thread_id=cl.context.session.thread_id,
        user=_who(),
        profile=_session("chat_profile") or PROCEDURES,
        **fields,
    )
    try:
        await asyncio.to_thread(chat.feedback.record_answer, record)
    except Exception:  # feedback is a bonus: never lose the answer for it
        logger.exception("Could not record the answer for feedback")


def page_context(output: str) -> dict[str, str]:
    """The host page's context from its system message: known fields, short strings only."""
    try:
        given = json.loads(output)
    except ValueError:
        given = {"label": output}
    if not isinstance(given, dict):
        return {}
    return {
        field: " ".join(str(given[field]).split())[:CONTEXT_CHARS]
        for field in CONTEXT_FIELDS
        if isinstance(given.get(field), str) and given[field].strip()
    }


def in_context(question: str, context: dict[str, str], *, folder: bool = False) -> str:
    """The question, with what the page is about when no folder already narrows it."""
    topic = " ".join(context[key] for key in ("dataset", "label") if key in context)
    if not topic or (folder and "path_prefix" in context):
        return question
    return f"{question} ({topic})"


async def answer_procedure(chat: parts.ChatParts, reader: Reader, question: str) -> None:
    """Stream a cited answer; its citations become side elements named ``[n]``."""
    link = _linker(chat)
    message = cl.Message(content="")
    context: dict[str, str] = _session(PAGE_CONTEXT) or {}
    folder = context.get("path_prefix")
    filters = SearchFilters(path_prefix=folder) if folder else None
    asked = in_context(question, context, folder=True)
    events = chat.answers(reader).stream(asked, filters=filters)
    final: Answer | None = None
    while True:
        event = await asyncio.to_thread(next, events, None)
        if event is None:
            break
        if event.kind == "text":  # shown as written (Chainlit drops ":word" otherwise)
            await message.stream_token(render.plain(event.text))
        elif event.kind == "answer":
            final = event.answer
    if final is None:  # the service always ends with the answer
        raise BoussoleError("La réponse n'a pas pu être écrite ; réessayez.")
    shown: list[Citation] = final.sources if final.abstained else final.citations
    footer = render.sources_markdown(shown, closest=final.abstained)
    warnings = render.warnings_markdown(final.warnings)
    footer = "\n\n".join(part for part in (footer, warnings) if part)
    if footer:
        await message.stream_token(("\n\n" if message.content else "") + footer)
    elements: list[Any] = [  # Chainlit types this list with an unbound TypeVar
        cl.Text(
            name=render.citation_name(citation.number),
            content=render.citation_markdown(citation, link),
            display="side",
        )
        for citation in shown
    ]
    message.elements = elements
    await _send(message)
    chat.runtime.audit(reader, "chat", question, [citation.source_path for citation in shown])
    await _record(
        chat,
        message,
        question,
        answer=final.text,
        sources=[render.citation_record(citation) for citation in shown],
    )


async def answer_datasets(chat: parts.ChatParts, reader: Reader, question: str) -> None:
    """Dataset cards for a described need."""
    described = in_context(question, _session(PAGE_CONTEXT) or {})

    def find() -> list[DatasetCard]:  # reads the index and the register: off the event loop
        search = chat.search_service(reader)
        return DatasetSearch(search, links=chat.links(search)).search(described, k=DATASET_CARDS)

    cards = await asyncio.to_thread(find)
    chat.runtime.audit(reader, "chat:donnees", question, [card.source_path for card in cards])
    content = render.datasets_markdown(question, cards, _linker(chat))
    message = await _send(cl.Message(content=content))
    sources = [
        {"record_id": card.record_id, "title": card.title, "source_path": card.source_path}
        for card in cards
    ]
    await _record(chat, message, question, answer=content, sources=sources)


async def answer_conventions(chat: parts.ChatParts, reader: Reader, question: str) -> None:
    """Convention cards, with the filters understood from the question."""

    def find() -> ConventionResult:  # reads the index and the register: off the event loop
        search = chat.search_service(reader)
        finder = ConventionSearch(
            search, own_names=chat.settings.conventions.own_names, links=chat.links(search)
        )
        return finder.search(question, today=date.today(), k=CONVENTION_CARDS)

    result = await asyncio.to_thread(find)
    chat.runtime.audit(
        reader, "chat:conventions", question, [card.source_path for card in result.cards]
    )
    content = render.conventions_markdown(result, _linker(chat))
    message = await _send(cl.Message(content=content))
    sources = [
        {"convention_id": card.convention_id, "title": card.title, "source_path": card.source_path}
        for card in result.cards
    ]
    await _record(chat, message, question, answer=content, sources=sources)


@cl.on_message
async def on_message(message: cl.Message) -> None:
    """Answer in the way the chosen profile asks for."""
    if message.type == "system_message":  # the widget's host page says what it is about
        cl.user_session.set(PAGE_CONTEXT, page_context(message.content))  # type: ignore[no-untyped-call]
        return
    question = message.content.strip()
    if not question:
        return
    profile = _session("chat_profile") or PROCEDURES
    try:
        chat = parts.current()
        reader = _reader()
        chat.runtime.limiter.check(reader.name if _who() else f"chat:{_session('id')}")
        if profile == DATASETS:
            await answer_datasets(chat, reader, question)
        elif profile == CONVENTIONS:
            await answer_conventions(chat, reader, question)
        else:
            await answer_procedure(chat, reader, question)
    except BoussoleError as exc:
        await _send(cl.Message(content=f"**Impossible de répondre** : {exc.message}"))
    except Exception:
        logger.exception("Chat answer failed")
        await _send(
            cl.Message(
                content="**Erreur interne** : la réponse n'a pas pu être produite. Réessayez ; "
                "si cela se reproduit, prévenez l'administrateur de Boussole."
            )
        )
