"""The load section of `make bench`: concurrent clients on ``POST /search`` and ``GET /datasets``.

The server is the one users run, ``boussole serve`` (API, chat and documents on one port),
started as its own process on a free loopback port: the clients and the server do not
share an interpreter, so the figures are those a caller would see.

The server's per-caller rate limit (``security.rate_limit``) is lifted for the run: every
client comes from the same loopback address, so the limiter would see one anonymous caller
and refuse most requests with 429, while the point is what the server can take. The
limiter still counts every request, so its cost is measured.

Each client is a thread with its own ``httpx.Client`` (its own keep-alive connection) that
sends one question after the other until told to stop (a closed loop: under load, the
latency includes the time a request waits for the server). An error is a non-2xx answer
(401 and 403 included) or an exception, counted by status or exception type; latencies
and throughput are those of the successful requests.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

CLIENTS = 20
SECONDS = 60.0
BASELINE_SECONDS = 10.0
WARM_UP_REQUESTS = 5
REQUEST_TIMEOUT_S = 30.0
START_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 30.0
# Beyond reach in a run (a few thousand requests): the limiter counts but never refuses.
LIFTED_RATE_LIMIT = "10000000/minute"


@dataclass
class Server:
    """A running ``boussole serve`` process."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def peak_rss_mb(self) -> int | None:
        """The server's own peak resident memory (VmHWM), read while it still runs."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text("utf-8")
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
        return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _log_tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text("utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(journal illisible)"


@contextmanager
def running_server(root: Path, data_dir: Path, model_dir: Path, log: Path) -> Iterator[Server]:
    """``boussole serve`` over the index in ``data_dir``, ready once ``/health`` says ok.

    The server is stopped on the way out, whatever happened: terminated (uvicorn's
    graceful shutdown), then killed if it has not exited after ``STOP_TIMEOUT_S``.
    """
    script = Path(sys.executable).with_name("boussole")
    if not script.exists():
        raise RuntimeError(f"Commande {script} absente : installez le projet (make install).")
    port = _free_port()
    env = {
        **os.environ,
        "BOUSSOLE_SETTINGS": str(root / "settings.yaml"),
        "BOUSSOLE_DATA_DIR": str(data_dir),
        "BOUSSOLE_EMBEDDING__MODEL": str(model_dir),
        "BOUSSOLE_SECURITY__RATE_LIMIT": LIFTED_RATE_LIMIT,
    }
    command = [str(script), "serve", "--host", "127.0.0.1", "--port", str(port)]
    # The access log goes to a file: a pipe nobody reads would block the server.
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_healthy(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    with httpx.Client(base_url=server.base_url, timeout=5) as client:
        while True:
            code = server.process.poll()
            if code is not None:
                raise RuntimeError(
                    f"Le serveur s'est arrêté au démarrage (code {code}) ; "
                    f"fin de son journal ({server.log}) :\n{_log_tail(server.log)}"
                )
            try:
                response = client.get("/health")
                if response.status_code == 200:
                    health: dict[str, Any] = response.json()
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"Le serveur ne répond pas sur /health après {START_TIMEOUT_S:.0f} s ; "
                    f"fin de son journal :\n{_log_tail(server.log)}"
                )
            time.sleep(0.25)
    if health.get("status") != "ok":
        raise RuntimeError(
            f"Index non prêt pour la charge : /health répond « {health.get('status')} » "
            f"({health.get('chunks')} passages)."
        )


Send = Callable[[httpx.Client, str], httpx.Response]
# What the load sends, one endpoint at a time: a question to search, a described need.
ENDPOINTS: dict[str, Send] = {
    "POST /search": lambda client, question: client.post("/search", json={"query": question}),
    "GET /datasets": lambda client, need: client.get("/datasets", params={"q": need}),
}


@dataclass
class _Tally:
    """One client's requests: successful latencies and errors by kind."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


def _client(
    base_url: str,
    send: Send,
    questions: list[str],
    offset: int,
    start: threading.Barrier,
    stop: threading.Event,
    tally: _Tally,
) -> None:
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as client:
        start.wait()
        turn = offset
        while not stop.is_set():
            question = questions[turn % len(questions)]
            turn += 1
            started = time.perf_counter()
            try:
                response = send(client, question)
            except Exception as exc:
                tally.errors[type(exc).__name__] += 1
                continue
            if response.is_success:
                tally.latencies_ms.append((time.perf_counter() - started) * 1000)
            else:
                tally.errors[f"HTTP {response.status_code}"] += 1


def _percentile(ordered: list[float], share: float) -> float | None:
    """Nearest rank below, as the other sections of the bench compute p50 and p95."""
    if not ordered:
        return None
    return round(ordered[int(share * (len(ordered) - 1))], 1)


def run_clients(
    base_url: str, send: Send, questions: list[str], clients: int, seconds: float
) -> dict[str, Any]:
    """``clients`` clients at once for ``seconds``, each starting at its own question."""
    tallies = [_Tally() for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    stop = threading.Event()
    step = max(1, len(questions) // clients)
    threads = [
        threading.Thread(
            target=_client,
            args=(base_url, send, questions, index * step, start, stop, tally),
            name=f"load-client-{index}",
        )
        for index, tally in enumerate(tallies)
    ]
    for thread in threads:
        thread.start()
    try:
        start.wait(timeout=REQUEST_TIMEOUT_S)
        started = time.perf_counter()
        stop.wait(seconds)
    finally:  # never leave clients running, even on Ctrl+C
        stop.set()
        for thread in threads:
            thread.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(ms for tally in tallies for ms in tally.latencies_ms)
    errors: Counter[str] = Counter()
    for tally in tallies:
        errors.update(tally.errors)
    return {
        "clients": clients,
        "duration_s": round(elapsed, 1),
        "requests": len(latencies) + errors.total(),
        "errors": errors.total(),
        "errors_by_kind": dict(errors.most_common()),
        "requests_per_s": round(len(latencies) / elapsed, 2),
        "p50_ms": _percentile(latencies, 0.50),
        "p95_ms": _percentile(latencies, 0.95),
        "max_ms": round(latencies[-1], 1) if latencies else None,
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator`` to two places; None when either is missing or zero."""
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 2)


def measure_warm_up(base_url: str, send: Send, questions: list[str]) -> None:
    """A few requests first: the first searches load lazy parts."""
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as client:
        for question in questions[:WARM_UP_REQUESTS]:
            send(client, question).raise_for_status()


def measure(
    base_url: str,
    questions: dict[str, list[str]],
    clients: int = CLIENTS,
    seconds: float = SECONDS,
    baseline_seconds: float = BASELINE_SECONDS,
) -> dict[str, Any]:
    """Per endpoint: one client for ``baseline_seconds`` (the baseline), then ``clients``.

    ``questions``: what each endpoint of ``ENDPOINTS`` is sent, by endpoint.
    """
    endpoints = {}
    for endpoint, asked in questions.items():
        send = ENDPOINTS[endpoint]
        measure_warm_up(base_url, send, asked)
        single = run_clients(base_url, send, asked, 1, baseline_seconds)
        concurrent = run_clients(base_url, send, asked, clients, seconds)
        endpoints[endpoint] = {
            "questions": len(asked),
            "concurrent": concurrent,
            "single_client": single,
            "ratios": {
                "p95_concurrent_vs_single": ratio(concurrent["p95_ms"], single["p95_ms"]),
                "throughput_concurrent_vs_single": ratio(
                    concurrent["requests_per_s"], single["requests_per_s"]
                ),
            },
        }
    return {
        "server": "boussole serve",
        "endpoints": endpoints,
        "target": {"errors": "== 0 on every endpoint"},
        "target_met": all(e["concurrent"]["errors"] == 0 for e in endpoints.values()),
    }
