"""`make bench`: indexing throughput vs raw fastembed, PII stage cost, search latency, memory.

Also /search and /datasets under load: concurrent clients against `boussole serve` on
loopback (see bench/search_load.py), with one client over the same questions as the baseline.

Prints one JSON report on stdout. Every ratio compares two figures measured in this same
run, on the same machine, so that a shared, noisy machine does not skew the verdict.

Phases run in child processes so that each one's peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import search_load  # bench/search_load.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _settings(data_dir: Path, model_dir: Path) -> Any:
    from assistant.settings import load_settings

    return load_settings(
        ROOT / "settings.yaml", data_dir=data_dir, embedding={"model": str(model_dir)}
    )


def phase_raw(corpus: Path, data_dir: Path, model_dir: Path, limit: int) -> dict[str, Any]:
    """Raw fastembed throughput on exactly the chunks the pipeline will embed."""
    from assistant import factory

    settings = _settings(data_dir, model_dir)
    embedder = factory.load_embedder(settings)
    chunker = factory.make_chunker(settings, embedder)
    connector = factory.files_connector(settings, corpus, None)
    texts: list[str] = []
    from connectors.base import SourceDocument

    for item in connector.scan():
        if isinstance(item, SourceDocument):
            texts.extend(chunk.embed_text for chunk in chunker.chunk(item))
    texts = texts[:limit] if limit else texts
    prefixed = [embedder.passage_prefix + text for text in texts]
    model = embedder._model  # the bare fastembed model: the baseline
    started = time.perf_counter()
    for _ in model.embed(prefixed, batch_size=settings.embedding.batch_size):
        pass
    seconds = time.perf_counter() - started
    tokens = [len(embedder.tokenize(text)) for text in prefixed]
    return {
        "chunks": len(texts),
        "seconds": round(seconds, 2),
        "chunks_per_s": round(len(texts) / seconds, 2),
        "tokens_per_chunk_mean": round(statistics.mean(tokens), 1),
        "tokens_per_chunk_max": max(tokens),
    }


def phase_index(corpus: Path, data_dir: Path, model_dir: Path, limit: int) -> dict[str, Any]:
    """The full pipeline (read, parse, chunk, embed, BM25, store) into a fresh index."""
    from assistant import factory

    settings = _settings(data_dir, model_dir)
    embedder = factory.load_embedder(settings)
    store = factory.open_store(settings)
    pipeline = factory.make_pipeline(settings, embedder, store, factory.make_redactor(settings))
    from dataclasses import replace

    from connectors.base import SourceDocument
    from indexing.reindex import files_source

    connector = factory.files_connector(settings, corpus, None)
    started = time.perf_counter()
    # Read as the weekly reindex reads a declared source (tagged with it, file stamps kept),
    # so that phase_reindex finds the corpus unchanged.
    items: Any = (
        replace(item, metadata={**item.metadata, "source": BENCH_SOURCE})
        if isinstance(item, SourceDocument)
        else item
        for item in files_source(BENCH_SOURCE, connector).read({})
    )
    if limit:
        items = _limit_chunks(items, pipeline, limit)
    report = pipeline.run(items, root=str(corpus))
    seconds = time.perf_counter() - started
    store.close()
    timings = report.timings_s
    return {
        "chunks": report.chunks_written,
        "documents": report.documents_indexed,
        "skipped": len(report.skipped),
        "seconds": round(seconds, 2),
        "chunks_per_s": round(report.chunks_written / seconds, 2),
        "chunks_per_s_without_pii": round(report.chunks_written / (seconds - timings["pii"]), 2),
        "timings_s": timings,
        "pii": {
            "seconds": timings["pii"],
            "share_of_indexing": round(timings["pii"] / seconds, 3),
            "chunks_per_s": round(report.chunks_written / max(timings["pii"], 1e-9), 2),
            "vs_embedding_stage": round(timings["pii"] / max(timings["embed"], 1e-9), 3),
            "replacements": report.pii_totals,
        },
    }


BENCH_SOURCE = "corpus"


def phase_reindex(corpus: Path, data_dir: Path, model_dir: Path) -> dict[str, Any]:
    """The weekly reindex over the corpus phase_index indexed, unchanged since."""
    from assistant import factory
    from indexing.reindex import Reindexer, files_source

    settings = _settings(data_dir, model_dir)
    embedder = factory.load_embedder(settings)
    store = factory.open_store(settings)
    pipeline = factory.make_pipeline(settings, embedder, store, factory.make_redactor(settings))
    source = files_source(BENCH_SOURCE, factory.files_connector(settings, corpus, None))
    started = time.perf_counter()
    report = Reindexer(pipeline, store).run([source])
    seconds = time.perf_counter() - started
    store.close()
    result = report.sources[0]
    return {
        "seconds": round(seconds, 2),
        "status": result.status.value,
        "unchanged": result.unchanged,
        "added": result.added,
        "updated": result.updated,
        "deleted": result.deleted,
    }


def _limit_chunks(items: Any, pipeline: Any, limit: int) -> Any:
    from connectors.base import SourceDocument

    total = 0
    for item in items:
        if isinstance(item, SourceDocument):
            if total >= limit:
                return
            total += len(pipeline.chunker.chunk(item))
        yield item


def phase_search(data_dir: Path, model_dir: Path, queries: list[str]) -> dict[str, Any]:
    """In-process search latency over the index built by phase_index."""
    from assistant import factory

    settings = _settings(data_dir, model_dir)
    store = factory.open_store(settings)
    service = factory.make_search_service(settings, factory.load_embedder(settings), store)
    for query in queries[:5]:  # warm-up
        service.search(query)
    result: dict[str, Any] = {}
    for mode in ("hybrid", "dense", "sparse"):
        latencies = []
        for query in queries:
            started = time.perf_counter()
            service.search(query, mode=mode)  # type: ignore[arg-type]
            latencies.append((time.perf_counter() - started) * 1000)
        result[mode] = _summary(latencies)
    # Documents, as answers and the chat rank them: hybrid fusion grouped by document, with
    # and without the learned ranker (the baseline of the same run).
    import copy

    fused = copy.copy(service)
    fused.ranker = None
    for name, documents in (("hybrid_documents", service), ("hybrid_documents_fused", fused)):
        latencies = []
        for query in queries:
            started = time.perf_counter()
            documents.search_documents(query)
            latencies.append((time.perf_counter() - started) * 1000)
        result[name] = _summary(latencies)
    from assistant.datasets import DatasetSearch

    finder = DatasetSearch(service)
    latencies = []
    for query in queries:
        started = time.perf_counter()
        finder.search(query, k=5)
        latencies.append((time.perf_counter() - started) * 1000)
    result["datasets_filtered"] = _summary(latencies)
    store.close()
    return result


def phase_ask(data_dir: Path, model_dir: Path, queries: list[str]) -> dict[str, Any]:
    """`POST /ask` latency (extractive backend) over real HTTP, uvicorn on loopback."""
    import socket
    import threading

    import httpx
    import uvicorn

    from assistant.api import create_app

    settings = _settings(data_dir, model_dir)
    # One caller sends 205 questions in a row: over the per-caller rate, so lifted (counted
    # still), as in the load section.
    security = settings.security.model_copy(update={"rate_limit": search_load.LIFTED_RATE_LIMIT})
    settings = settings.model_copy(update={"security": security})
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    abstained = 0
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        for query in queries[:5]:  # warm-up: the in-memory index is built on first use
            client.post("/ask", json={"question": query})
        latencies = []
        for query in queries:
            started = time.perf_counter()
            response = client.post("/ask", json={"question": query})
            latencies.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            abstained += response.json()["abstained"]
    server.should_exit = True
    thread.join(timeout=30)
    return {
        "backend": settings.answer.backend.value,
        "abstained": abstained,
        **_summary(latencies),
    }


def phase_load(
    data_dir: Path, model_dir: Path, questions: dict[str, list[str]], args: argparse.Namespace
) -> dict[str, Any]:
    """Concurrent clients on `/search` and `/datasets`, `boussole serve` over the index."""
    log = data_dir / "serve-load.log"
    with search_load.running_server(ROOT, data_dir, model_dir, log) as server:
        result = search_load.measure(
            server.base_url,
            questions,
            clients=args.load_clients,
            seconds=args.load_seconds,
            baseline_seconds=args.load_baseline_seconds,
        )
        result["server_peak_rss_mb"] = server.peak_rss_mb()
    result["rate_limit"] = {
        "configured": _settings(data_dir, model_dir).security.rate_limit,
        "during_run": search_load.LIFTED_RATE_LIMIT,
    }
    return result


SWITCH_WINDOW_S = 30.0
SWITCH_TIMEOUT_S = 300.0


def phase_switch(
    data_dir: Path, model_dir: Path, questions: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    """A new index generation published while 20 clients search `boussole serve`.

    What a weekly reindex beside the live service costs the people searching: the copy,
    the time from the publication to the server's switch, errors and latency meanwhile,
    against the same clients on a steady index just before; the server's memory peak
    (it holds both generations for a moment).
    """
    from indexing.generations import IndexGenerations, ServingRecord

    settings = _settings(data_dir, model_dir)
    generations = IndexGenerations(settings.qdrant_path)
    serving = ServingRecord(settings.data_dir / "state" / "serving.json")
    send = search_load.ENDPOINTS["POST /search"]
    timings: dict[str, Any] = {}

    def switch() -> None:
        time.sleep(2)
        started = time.perf_counter()
        generation = generations.prepare()
        copied = time.perf_counter()
        generations.publish(generation)
        while time.perf_counter() - copied < SWITCH_TIMEOUT_S:
            current = serving.current()
            if current is not None and current.generation == generation.path.name:
                timings["switched"] = True
                break
            time.sleep(0.05)
        timings["copy_s"] = round(copied - started, 2)
        timings["publish_to_switch_s"] = round(time.perf_counter() - copied, 2)
        timings["removed_generations"] = len(generations.collect())

    log = data_dir / "serve-switch.log"
    with search_load.running_server(ROOT, data_dir, model_dir, log) as server:
        search_load.measure_warm_up(server.base_url, send, questions)
        steady = search_load.run_clients(
            server.base_url, send, questions, args.load_clients, args.load_baseline_seconds
        )
        switcher = threading.Thread(target=switch, name="switch")
        switcher.start()
        during = search_load.run_clients(
            server.base_url, send, questions, args.load_clients, SWITCH_WINDOW_S
        )
        switcher.join()
        peak = server.peak_rss_mb()
    switched = bool(timings.get("switched"))
    return {
        "index_mb": round(sum(f.stat().st_size for f in generations.live().rglob("*")) / 2**20, 1),
        **timings,
        "switched": switched,
        "steady": steady,
        "during_switch": during,
        "ratios": {"p95_during_vs_steady": search_load.ratio(during["p95_ms"], steady["p95_ms"])},
        "server_peak_rss_mb": peak,
        "target": {"errors": "== 0", "switched": "within the window"},
        "target_met": switched and during["errors"] == 0,
    }


def _summary(latencies: list[float]) -> dict[str, Any]:
    latencies = sorted(latencies)
    return {
        "queries": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
    }


def phase_harvest(corpus: Path, data_dir: Path, model_dir: Path) -> dict[str, Any]:
    """Records harvested from a real pycsw server on loopback and indexed, per second."""
    import shutil

    from assistant import factory
    from connectors.catalogue.csw import CswHarvester, CswSource
    from tests.pycsw.fixture import pycsw_server

    records = data_dir / "records"
    records.mkdir(parents=True)
    for folder in sorted((corpus / "catalogue").glob("iso19139_*")):
        for path in folder.glob("*.xml"):
            shutil.copy(path, records / f"{folder.name}--{path.name}")
    settings = _settings(data_dir / "index", model_dir)
    store = factory.open_store(settings)
    pipeline = factory.make_pipeline(
        settings, factory.load_embedder(settings), store, factory.make_redactor(settings)
    )
    with pycsw_server(records, data_dir) as csw:
        harvester = CswHarvester(CswSource(csw.url, name="bench", page_size=20))
        started = time.perf_counter()
        fetched = list(harvester.harvest())
        fetch_seconds = time.perf_counter() - started
        report = pipeline.run(iter(fetched), root=csw.url)
        seconds = time.perf_counter() - started
    store.close()
    return {
        "records_matched": harvester.result.matched,
        "records_indexed": report.documents_indexed,
        "pages": harvester.result.pages,
        "chunks": report.chunks_written,
        "harvest_seconds": round(fetch_seconds, 2),
        "records_harvested_per_s": round(harvester.result.matched / fetch_seconds, 1),
        "seconds": round(seconds, 2),
        "records_harvested_and_indexed_per_s": round(report.documents_indexed / seconds, 2),
    }


def _child(phase: str, args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--phase",
        phase,
        "--corpus",
        str(args.corpus),
        "--model-dir",
        str(args.model_dir),
        "--data-dir",
        str(data_dir),
        "--limit",
        str(args.limit),
        "--load-clients",
        str(args.load_clients),
        "--load-seconds",
        str(args.load_seconds),
        "--load-baseline-seconds",
        str(args.load_baseline_seconds),
    ]
    try:
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    except subprocess.CalledProcessError as exc:
        sys.stderr.write(exc.stderr)  # the phase's own error, not only its exit status
        raise
    report: dict[str, Any] = json.loads(output)
    return report


def main() -> None:
    """Run every phase in a child process and print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=Path(
            os.environ.get(
                "BOUSSOLE_TEST_MODEL_DIR", ROOT / "data/models/multilingual-e5-small-int8"
            )
        ),
    )
    parser.add_argument("--limit", type=int, default=0, help="at most this many chunks (0 = all)")
    parser.add_argument(
        "--phase",
        choices=["raw", "index", "reindex", "search", "ask", "load", "switch", "harvest"],
    )
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument(
        "--load-clients",
        type=int,
        default=search_load.CLIENTS,
        help="charge : clients simultanés sur /search",
    )
    parser.add_argument(
        "--load-seconds",
        type=float,
        default=search_load.SECONDS,
        help="charge : durée, en secondes",
    )
    parser.add_argument(
        "--load-baseline-seconds",
        type=float,
        default=search_load.BASELINE_SECONDS,
        help="charge : durée de la référence à un seul client, en secondes",
    )
    args = parser.parse_args()
    asked = [
        json.loads(line)
        for line in (ROOT / "eval/questions/dev.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    questions = [question["question"] for question in asked]
    queries = (questions * 4)[:200]

    if args.phase:
        if args.phase == "raw":
            result = phase_raw(args.corpus, args.data_dir, args.model_dir, args.limit)
        elif args.phase == "index":
            result = phase_index(args.corpus, args.data_dir, args.model_dir, args.limit)
        elif args.phase == "harvest":
            result = phase_harvest(args.corpus, args.data_dir, args.model_dir)
        elif args.phase == "ask":
            result = phase_ask(args.data_dir, args.model_dir, queries)
        elif args.phase == "load":
            needs = [q["question"] for q in asked if q.get("kind") == "dataset"]
            loads = {"POST /search": questions, "GET /datasets": needs}
            result = phase_load(args.data_dir, args.model_dir, loads, args)
        elif args.phase == "switch":
            result = phase_switch(args.data_dir, args.model_dir, questions, args)
        elif args.phase == "reindex":
            result = phase_reindex(args.corpus, args.data_dir, args.model_dir)
        else:
            result = phase_search(args.data_dir, args.model_dir, queries)
        # ru_maxrss is in KiB on Linux: this phase's own peak, model included.
        result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory(prefix="boussole-bench-") as tmp:
        data_dir = Path(tmp)
        raw = _child("raw", args, data_dir / "raw")
        index = _child("index", args, data_dir / "index")
        reindex = _child("reindex", args, data_dir / "index")
        search = _child("search", args, data_dir / "index")
        ask = _child("ask", args, data_dir / "index")
        load = _child("load", args, data_dir / "index")
        switch = _child("switch", args, data_dir / "index")
        harvest = _child("harvest", args, data_dir / "harvest")
    report = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "corpus": str(args.corpus),
        "baseline_raw_fastembed": raw,
        "indexing_pipeline": index,
        "reindex_unchanged": reindex,
        "search_latency": search,
        "ask_latency": ask,
        "load": load,
        "reindex_beside_server": switch,
        "csw_harvest": harvest,
        "ratios": {
            "indexing_vs_raw_fastembed": round(index["chunks_per_s"] / raw["chunks_per_s"], 3),
            "indexing_without_pii_vs_raw_fastembed": round(
                index["chunks_per_s_without_pii"] / raw["chunks_per_s"], 3
            ),
            "pii_stage_vs_embedding_stage": index["pii"]["vs_embedding_stage"],
            "ask_vs_search_hybrid_p50": round(ask["p50_ms"] / search["hybrid"]["p50_ms"], 2),
            "ranked_vs_fused_documents_p50": round(
                search["hybrid_documents"]["p50_ms"] / search["hybrid_documents_fused"]["p50_ms"],
                2,
            ),
            "reindex_unchanged_vs_full_index": round(reindex["seconds"] / index["seconds"], 4),
        },
        "targets": {
            "indexing_without_pii_vs_raw_fastembed": ">= 0.8",
            "pii_stage_vs_embedding_stage": "<= 1.0",
            "search_hybrid_p95_ms": "<= 150",
            "search_hybrid_documents_p95_ms": "<= 150",
            "datasets_filtered_p95_ms": "<= 150",
            "ask_extractive_p95_ms": "<= 500",
            "reindex_unchanged_vs_full_index": "<= 0.05",
            "load_errors": "== 0",
            "switch_errors": "== 0",
        },
        "verdict": {
            "indexing_without_pii_vs_raw_fastembed": index["chunks_per_s_without_pii"]
            / raw["chunks_per_s"]
            >= 0.8,
            "pii_stage_vs_embedding_stage": index["pii"]["vs_embedding_stage"] <= 1.0,
            "search_hybrid_p95_ms": search["hybrid"]["p95_ms"] <= 150,
            "search_hybrid_documents_p95_ms": search["hybrid_documents"]["p95_ms"] <= 150,
            "datasets_filtered_p95_ms": search["datasets_filtered"]["p95_ms"] <= 150,
            "ask_extractive_p95_ms": ask["p95_ms"] <= 500,
            "reindex_unchanged_vs_full_index": reindex["seconds"] / index["seconds"] <= 0.05,
            "load_errors": load["target_met"],
            "switch_errors": switch["target_met"],
        },
        "peak_rss_mb": {
            "indexing": index["peak_rss_mb"],
            "search": search["peak_rss_mb"],
            "api_ask": ask["peak_rss_mb"],
            "reindex": reindex["peak_rss_mb"],
            "server_under_load": load["server_peak_rss_mb"],
            "server_during_switch": switch["server_peak_rss_mb"],
        },
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    _say_load_verdict(load)


def _say_load_verdict(load: dict[str, Any]) -> None:
    """One line per endpoint for the person running the bench (stdout stays the JSON report)."""
    for endpoint, figures in load["endpoints"].items():
        concurrent = figures["concurrent"]
        verdict = "objectif atteint" if concurrent["errors"] == 0 else "objectif NON atteint"
        print(
            f"Charge {endpoint} : {concurrent['errors']} erreur(s) sur {concurrent['requests']} "
            f"requêtes ({concurrent['clients']} clients, {concurrent['duration_s']} s), "
            f"p95 {concurrent['p95_ms']} ms ; {verdict} (0 erreur).",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
