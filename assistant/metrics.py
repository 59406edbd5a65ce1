"""``GET /metrics``: the last reindex run, in the Prometheus text format, for monitoring.

Read from the run history the reindex keeps (``data/state/reindex-history.jsonl``): when
the last run ended, how it ended (0 success, 3 partial, 1 failure), and per source what it
did. Alert on an old timestamp or a non-zero status.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from indexing.reindex import runs_newest_first

STATUS_CODES = {"succes": 0, "partiel": 3, "echec": 1}
OPERATIONS = ("added", "updated", "deleted", "unchanged", "seen")


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def render(state_dir: Path, chunks: int) -> str:
    """The metrics page, from the history in ``state_dir``."""
    lines = [
        "# HELP boussole_index_chunks Passages in the index.",
        "# TYPE boussole_index_chunks gauge",
        f"boussole_index_chunks {chunks}",
    ]
    run = next(runs_newest_first(state_dir), None)
    if run is None:
        return "\n".join(lines) + "\n"
    ended = datetime.fromisoformat(run["started_at"]).timestamp() + float(run["duration_s"])
    lines += [
        "# HELP boussole_reindex_last_run_timestamp_seconds When the last reindex ended.",
        "# TYPE boussole_reindex_last_run_timestamp_seconds gauge",
        f"boussole_reindex_last_run_timestamp_seconds {ended:.0f}",
        "# HELP boussole_reindex_last_run_status 0 success, 3 partial, 1 failure.",
        "# TYPE boussole_reindex_last_run_status gauge",
        f"boussole_reindex_last_run_status {STATUS_CODES.get(run['status'], 1)}",
        "# HELP boussole_reindex_last_run_duration_seconds Length of the last reindex.",
        "# TYPE boussole_reindex_last_run_duration_seconds gauge",
        f"boussole_reindex_last_run_duration_seconds {float(run['duration_s']):.3f}",
        "# HELP boussole_reindex_last_run_degraded 1 when retrieval quality fell too far.",
        "# TYPE boussole_reindex_last_run_degraded gauge",
        f"boussole_reindex_last_run_degraded {int(bool(run.get('degraded')))}",
        "# HELP boussole_reindex_source_failed 1 when the source failed in the last run.",
        "# TYPE boussole_reindex_source_failed gauge",
    ]
    for source in run["sources"]:
        failed = int(source["status"] == "echec")
        lines.append(
            f'boussole_reindex_source_failed{{source="{_label(source["name"])}"}} {failed}'
        )
    lines += [
        "# HELP boussole_reindex_documents Documents per source and operation, last run.",
        "# TYPE boussole_reindex_documents gauge",
    ]
    for source in run["sources"]:
        name = _label(source["name"])
        for operation in OPERATIONS:
            lines.append(
                f'boussole_reindex_documents{{source="{name}",operation="{operation}"}} '
                f"{int(source.get(operation, 0))}"
            )
        lines.append(
            f'boussole_reindex_documents{{source="{name}",operation="skipped"}} '
            f"{len(source.get('skipped', []))}"
        )
    quality = run.get("quality")
    if isinstance(quality, dict):
        for name, metric in (("recall@5", "recall_at_5"), ("mrr@10", "mrr_at_10")):
            if quality.get(name) is not None:
                lines += [
                    f"# HELP boussole_reindex_{metric} {name} on the guard's question file.",
                    f"# TYPE boussole_reindex_{metric} gauge",
                    f"boussole_reindex_{metric} {float(quality[name]):.4f}",
                ]
    return "\n".join(lines) + "\n"
