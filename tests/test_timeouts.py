"""Total deadlines: a server that drips its answer a byte a second is cut off on time.

A read timeout bounds each socket read; a dripping server never trips it. These tests
serve real HTTP on loopback, drip it, and measure how long the caller is held.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant import factory
from assistant.cli import main
from assistant.llm import make_writer
from assistant.search import Hit
from assistant.settings import AnswerSettings, load_settings
from connectors.catalogue.csw import CswHarvester, CswSource
from connectors.deadline import DeadlineExceeded, pieces_within
from connectors.errors import ModelError, SourceError
from indexing.sparse import FrenchBm25
from tests.conftest import FakeEmbedder, pii_redactor
from tests.openai_server import FakeChatServer

DRIP_FOR_S = 25.0  # a dripping server gives up by itself after this


class _Drip(BaseHTTPRequestHandler):
    """Answers 200 with a promised body, then sends it one byte a second."""

    protocol_version = "HTTP/1.1"
    headers_too = False  # also drip the status line and headers

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 5000\r\n\r\n"
        body = b'<?xml version="1.0"?>' + b" " * 4979
        stop_at = time.monotonic() + DRIP_FOR_S
        if not self.headers_too:
            self.wfile.write(head)
            self.wfile.flush()
            head = b""
        try:
            for byte in head + body:
                if time.monotonic() > stop_at:
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(1.0)
        except OSError:  # the client hung up: what a deadline does
            return

    def log_message(self, *args: object) -> None:
        pass


class _DripHeaders(_Drip):
    headers_too = True


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/csw"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def dripping_csw() -> Iterator[str]:
    with serve(_Drip) as url:
        yield url


# -- the deadline itself ----------------------------------------------------------------------


def test_pieces_arrive_whole_and_errors_come_through() -> None:
    assert list(pieces_within(lambda: iter([b"a", b"b"]), 5)) == [b"a", b"b"]

    def broken() -> Iterator[bytes]:
        yield b"a"
        raise SourceError("cassé")

    with pytest.raises(SourceError, match="cassé"):
        list(pieces_within(broken, 5))


def test_a_stuck_producer_is_cut_off_and_told() -> None:
    cut = threading.Event()

    def stuck() -> Iterator[bytes]:
        yield b"en-tetes"
        cut.wait(20)  # a read that blocks until the connection is cut
        yield b"fin"

    started = time.monotonic()
    with pytest.raises(DeadlineExceeded) as raised:
        list(pieces_within(stuck, 0.5, on_expiry=cut.set))
    assert 0.4 < time.monotonic() - started < 2
    assert raised.value.pieces == 1 and cut.is_set()


# -- CSW harvesting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("handler", "message"),
    [
        (_Drip, "n'a pas envoyé sa réponse complète en 2 s"),
        (_DripHeaders, "n'a pas répondu en 2 s"),
    ],
)
def test_a_dripping_catalogue_fails_each_attempt_within_its_timeout(
    handler: type[BaseHTTPRequestHandler], message: str
) -> None:
    with serve(handler) as url:
        harvester = CswHarvester(CswSource(url, timeout_s=2, retries=0))
        started = time.monotonic()
        with pytest.raises(SourceError, match=message):
            list(harvester.harvest())
        assert time.monotonic() - started < 2 * 3


def test_cli_harvest_of_a_dripping_server_stops_in_time_and_keeps_the_index(
    tmp_path: Path,
    dripping_csw: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BOUSSOLE_SETTINGS", str(Path(__file__).parents[1] / "settings.yaml"))
    monkeypatch.setenv("BOUSSOLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("QDRANT_URL", raising=False)
    monkeypatch.setattr(factory, "load_embedder", lambda settings: FakeEmbedder())
    monkeypatch.setattr(factory, "make_redactor", lambda settings: pii_redactor())
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "vpn.md").write_text("# VPN\nLe compte VPN est ouvert sous huit jours.", "utf-8")
    monkeypatch.setattr("sys.argv", ["boussole", "index", str(docs)])
    with pytest.raises(SystemExit) as indexed:
        main()
    assert indexed.value.code == 0

    def stored() -> dict[str, str]:
        store = factory.open_store(load_settings())
        try:
            return store.document_versions()
        finally:
            store.close()

    before = stored()
    assert list(before) == ["vpn.md"]
    attempts = CswSource(dripping_csw).retries + 1
    monkeypatch.setattr("sys.argv", ["boussole", "harvest", dripping_csw, "--timeout", "2"])
    capsys.readouterr()
    started = time.monotonic()
    with pytest.raises(SystemExit) as harvested:
        main()
    took = time.monotonic() - started
    assert harvested.value.code == 1
    assert took <= attempts * 3 * 2, took
    error = " ".join(capsys.readouterr().err.split())  # the console wraps long lines
    assert f"le serveur CSW {dripping_csw} n'a pas envoyé sa réponse complète en 2 s" in error
    assert f"({attempts} essais)" in error
    assert stored() == before  # nothing already indexed is lost


# -- the OpenAI-compatible answer backend -----------------------------------------------------


@pytest.fixture
def chat_server() -> Iterator[FakeChatServer]:
    server = FakeChatServer().start()
    yield server
    server.stop()


def answer_settings(server: FakeChatServer, timeout_s: float) -> AnswerSettings:
    return AnswerSettings.model_validate(
        {
            "backend": "openai",
            "openai": {"base_url": server.base_url, "model": "albert", "timeout_s": timeout_s},
        }
    )


def test_a_dripping_answer_service_is_a_french_error_within_its_timeout(
    chat_server: FakeChatServer, bm25: FrenchBm25
) -> None:
    passage = Hit(1, 1.0, "vpn.md", "vpn.md", "procedure", None, None, "Huit jours.", {}, 0.9)
    # A reply on time comes through whole (and the first call's imports are out of the way).
    chat_server.enqueue("Huit jours ", "[1].")
    warm = make_writer(answer_settings(chat_server, 60), bm25)
    assert "".join(warm.stream("délai du VPN ?", [passage])) == "Huit jours [1]."
    writer = make_writer(answer_settings(chat_server, 2), bm25)
    chat_server.drip(seconds_per_byte=1.0, for_s=DRIP_FOR_S)
    started = time.monotonic()
    with pytest.raises(ModelError, match="n'a pas envoyé sa réponse complète en 2 s") as raised:
        list(writer.stream("délai du VPN ?", [passage]))
    took = time.monotonic() - started
    assert 1.9 <= took <= 3 * 2, took
    assert chat_server.base_url in raised.value.message
    assert len(chat_server.requests) == 2 and chat_server.requests[1]["stream"] is True
