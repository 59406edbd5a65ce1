"""An OpenAI-compatible chat server on loopback, with queued replies: the LLM fake.

Real HTTP and real server-sent events, as vLLM, Ollama or Albert send them; only the
words are scripted. Each request is recorded so tests can check the prompt. A reply can
also be dripped a byte a second, as an overloaded server does, to test deadlines.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from tests.servers import free_port


class FakeChatServer:
    """Serve ``/v1/chat/completions`` on 127.0.0.1 until stopped."""

    def __init__(self) -> None:
        self.replies: list[list[str]] = []  # each reply as the pieces to stream
        self.drips: list[tuple[float, float]] = []  # (seconds per byte, for how long at most)
        self.requests: list[dict[str, Any]] = []
        self.port = free_port()
        self._server = uvicorn.Server(
            uvicorn.Config(
                self._app(),
                host="127.0.0.1",
                port=self.port,
                log_level="error",
                timeout_graceful_shutdown=1,  # a dripping reply does not hold stop()
            )
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def enqueue(self, *pieces: str) -> None:
        """The next reply, streamed in these pieces (or sent whole)."""
        self.replies.append(list(pieces))

    def drip(self, seconds_per_byte: float = 1.0, for_s: float = 20.0) -> None:
        """The next reply: its headers at once, then one byte each ``seconds_per_byte``.

        No whole event ever arrives, so a client's read timeout never fires; the server
        stops dripping by itself after ``for_s`` seconds.
        """
        self.drips.append((seconds_per_byte, for_s))

    def start(self) -> FakeChatServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake chat server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def completions(request: Request) -> Any:
            body = await request.json()
            self.requests.append(body)
            model = body.get("model", "fake")
            if self.drips:
                pace, for_s = self.drips.pop(0)
                return StreamingResponse(_drip(model, pace, for_s), media_type="text/event-stream")
            pieces = self.replies.pop(0) if self.replies else ["(aucune réponse prévue)"]
            if not body.get("stream"):
                return JSONResponse(_completion(model, "".join(pieces)))
            return StreamingResponse(_chunks(model, pieces), media_type="text/event-stream")

        return app


def _completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


async def _drip(model: str, pace: float, for_s: float) -> AsyncIterator[bytes]:
    event = next(_chunks(model, ["Une réponse qui n'en finit pas d'arriver."])).encode()
    stop_at = time.monotonic() + for_s
    for byte in event[:-2]:  # never the blank line that ends the event
        if time.monotonic() > stop_at:
            return
        yield bytes([byte])
        await asyncio.sleep(pace)


def _chunks(model: str, pieces: list[str]) -> Iterator[str]:
    for number, piece in enumerate(pieces):
        delta: dict[str, Any] = {"content": piece}
        if number == 0:
            delta["role"] = "assistant"
        chunk = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
        }
        yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
    done = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
    }
    yield f"data: {json.dumps(done)}\n\n"
    yield "data: [DONE]\n\n"
