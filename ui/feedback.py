"""Users' verdicts on answers, kept in SQLite beside the index.

The chat records each answer it sends (question, text, cited sources) under the message's
id and the id of the run that produced it: Chainlit puts the thumbs under an answer but
sends them for the run (``Feedback.forId``). A verdict then stores one row that holds the
value, the optional comment and a copy of what was judged, so that the table reads on its
own (``sqlite3 data/feedback.sqlite3 'select * from feedback'``).

Chainlit shows the feedback buttons only when a data layer is registered:
``FeedbackDataLayer`` is the smallest one, storing feedback and nothing else (no thread
history: its other methods do nothing or return nothing).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainlit.data.base import BaseDataLayer
from chainlit.types import Feedback, PageInfo, PaginatedResponse, Pagination, ThreadFilter
from chainlit.user import PersistedUser, User

if TYPE_CHECKING:
    from chainlit.element import Element, ElementDict
    from chainlit.step import StepDict
    from chainlit.types import ThreadDict

FEEDBACK_FILE = "feedback.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    message_id TEXT PRIMARY KEY,
    run_id TEXT,
    thread_id TEXT,
    user TEXT,
    profile TEXT,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    sources TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_run ON answers (run_id);
CREATE TABLE IF NOT EXISTS feedback (
    id TEXT PRIMARY KEY,
    for_id TEXT NOT NULL UNIQUE,
    message_id TEXT,
    thread_id TEXT,
    user TEXT,
    profile TEXT,
    value INTEGER NOT NULL,
    comment TEXT,
    question TEXT,
    answer TEXT,
    sources TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class AnswerRecord:
    """What the chat sent: what a later verdict is about."""

    message_id: str
    question: str
    answer: str
    sources: list[dict[str, Any]] = field(default_factory=list)
    run_id: str | None = None  # the run step the message belongs to: what feedback names
    thread_id: str | None = None
    user: str | None = None
    profile: str | None = None


@dataclass(frozen=True)
class FeedbackRow:
    """One verdict (1 useful, 0 not useful), with a copy of the answer it judges."""

    id: str
    for_id: str
    message_id: str | None
    value: int
    comment: str | None
    question: str | None
    answer: str | None
    sources: list[dict[str, Any]]
    user: str | None
    profile: str | None
    thread_id: str | None
    created_at: str
    updated_at: str


class FeedbackStore:
    """The SQLite file of answers and verdicts (standard library only)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=10)) as connection:
            connection.row_factory = sqlite3.Row
            connection.executescript(_SCHEMA)
            with connection:  # one transaction, committed on success
                yield connection

    def record_answer(self, record: AnswerRecord) -> None:
        """Keep what was answered, so that a verdict on the message can say what it judged."""
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.message_id,
                    record.run_id,
                    record.thread_id,
                    record.user,
                    record.profile,
                    record.question,
                    record.answer,
                    json.dumps(record.sources, ensure_ascii=False),
                    _now(),
                ),
            )

    def save_feedback(
        self,
        for_id: str,
        value: int,
        comment: str | None = None,
        *,
        thread_id: str | None = None,
    ) -> str:
        """Store or replace the verdict on a run or message; the verdict's id.

        One verdict per answer: a second click on the same answer changes the first.
        """
        comment = (comment or "").strip() or None
        with self._connect() as db:
            answer = db.execute(
                "SELECT * FROM answers WHERE run_id = ? OR message_id = ? "
                "ORDER BY created_at DESC, rowid DESC LIMIT 1",
                (for_id, for_id),
            ).fetchone()
            existing = db.execute("SELECT id FROM feedback WHERE for_id = ?", (for_id,)).fetchone()
            if existing is not None:
                db.execute(
                    "UPDATE feedback SET value = ?, comment = ?, updated_at = ? WHERE id = ?",
                    (int(value), comment, _now(), existing["id"]),
                )
                return str(existing["id"])
            feedback_id = uuid.uuid4().hex
            now = _now()
            db.execute(
                "INSERT INTO feedback VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    feedback_id,
                    for_id,
                    answer["message_id"] if answer is not None else None,
                    answer["thread_id"] if answer is not None else thread_id,
                    answer["user"] if answer is not None else None,
                    answer["profile"] if answer is not None else None,
                    int(value),
                    comment,
                    answer["question"] if answer is not None else None,
                    answer["answer"] if answer is not None else None,
                    answer["sources"] if answer is not None else "[]",
                    now,
                    now,
                ),
            )
            return feedback_id

    def delete_feedback(self, feedback_id: str) -> bool:
        """Withdraw a verdict; whether there was one."""
        with self._connect() as db:
            cursor = db.execute("DELETE FROM feedback WHERE id = ?", (feedback_id,))
            return cursor.rowcount > 0

    def feedback(self) -> list[FeedbackRow]:
        """Every verdict, oldest first."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM feedback ORDER BY created_at, rowid").fetchall()
        return [
            FeedbackRow(
                id=row["id"],
                for_id=row["for_id"],
                message_id=row["message_id"],
                value=row["value"],
                comment=row["comment"],
                question=row["question"],
                answer=row["answer"],
                sources=json.loads(row["sources"] or "[]"),
                user=row["user"],
                profile=row["profile"],
                thread_id=row["thread_id"],
                created_at=row["created_at"],
                updated_at=row["updated_at"],
            )
            for row in rows
        ]


class FeedbackDataLayer(BaseDataLayer):
    """Chainlit's persistence, reduced to the feedback buttons.

    ``store`` is looked up at each call, so that the layer Chainlit caches once per process
    always writes where the current server's settings say.
    """

    def __init__(self, store: Callable[[], FeedbackStore]) -> None:
        self.store = store

    async def upsert_feedback(self, feedback: Feedback) -> str:
        """Store the verdict with the question, answer and sources recorded for its message."""
        return await asyncio.to_thread(
            self.store().save_feedback,
            feedback.forId,
            int(feedback.value),
            feedback.comment,
            thread_id=feedback.threadId,
        )

    async def delete_feedback(self, feedback_id: str) -> bool:
        """Withdraw a verdict."""
        return await asyncio.to_thread(self.store().delete_feedback, feedback_id)

    async def get_user(self, identifier: str) -> PersistedUser | None:
        """No user table: Chainlit then builds the user from its session token."""
        return None

    async def create_user(self, user: User) -> PersistedUser | None:
        """The logged-in user as Chainlit expects it back, groups included; nothing stored."""
        return PersistedUser(
            id=user.identifier,
            createdAt=_now(),
            identifier=user.identifier,
            display_name=user.display_name,
            metadata=dict(user.metadata),
        )

    async def create_element(self, element: Element) -> None:
        """Elements are not kept."""

    async def get_element(self, thread_id: str, element_id: str) -> ElementDict | None:
        """No element is kept."""
        return None

    async def delete_element(self, element_id: str, thread_id: str | None = None) -> None:
        """Elements are not kept."""

    async def create_step(self, step_dict: StepDict) -> None:
        """Messages are not kept (the chat records answers itself)."""

    async def update_step(self, step_dict: StepDict) -> None:
        """Messages are not kept."""

    async def delete_step(self, step_id: str) -> None:
        """Messages are not kept."""

    async def get_thread_author(self, thread_id: str) -> str:
        """No thread is kept, so none has an author."""
        return ""

    async def delete_thread(self, thread_id: str) -> None:
        """No thread is kept."""

    async def list_threads(
        self, pagination: Pagination, filters: ThreadFilter
    ) -> PaginatedResponse[ThreadDict]:
        """No history: an empty page."""
        return PaginatedResponse(
            pageInfo=PageInfo(hasNextPage=False, startCursor=None, endCursor=None), data=[]
        )

    async def get_thread(self, thread_id: str) -> ThreadDict | None:
        """No thread is kept."""
        return None

    async def update_thread(
        self,
        thread_id: str,
        name: str | None = None,
        user_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        tags: list[str] | None = None,
    ) -> None:
        """No thread is kept."""

    async def build_debug_url(self) -> str:
        """No debugging service."""
        return ""

    async def close(self) -> None:
        """Each write opens and closes its own connection."""

    async def get_favorite_steps(self, user_id: str) -> list[StepDict]:
        """Favourites are off."""
        return []
