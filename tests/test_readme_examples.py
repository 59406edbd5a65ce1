"""The README's API examples, run as written against a live server, so they cannot rot.

The demo corpus is indexed by the real model and served on loopback; an application key
with the DPO's group is created as the README says. Every ```bash block that calls
``$BOUSSOLE_URL`` runs in bash (curl with ``-f``: an HTTP error fails it) and every
```python block that uses the client runs in the project's interpreter. The usage of that
application then shows on ``/metrics``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.servers import environment, free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo_corpus"
_BLOCK = re.compile(r"```(bash|python)\n(.*?)```", re.DOTALL)


def readme_examples() -> list[tuple[str, str]]:
    """(language, code) of the README blocks that talk to a running Boussole."""
    text = (ROOT / "README.md").read_text("utf-8")
    return [
        (language, code)
        for language, code in _BLOCK.findall(text)
        if "$BOUSSOLE_URL" in code or "BoussoleClient(" in code
    ]


@pytest.fixture(scope="module")
def served(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    folder = tmp_path_factory.mktemp("readme")
    values = {
        "BOUSSOLE_SETTINGS": str(ROOT / "settings.yaml"),
        "BOUSSOLE_DATA_DIR": str(folder / "data"),
        "BOUSSOLE_EMBEDDING__MODEL": str(model_dir),
        "BOUSSOLE_CONVENTIONS__REGISTER_FILE": str(ROOT / "demo_conventions.yaml"),
        "BOUSSOLE_CONVENTIONS__ROOT": str(DEMO),
        "BOUSSOLE_SECURITY__API_KEYS_FILE": str(folder / "keys.yaml"),
    }
    with environment(values):
        from assistant.cli import app as cli

        runner = CliRunner()
        indexed = runner.invoke(cli, ["index", str(DEMO)])
        assert indexed.exit_code == 0, indexed.output
        created = runner.invoke(cli, ["keys", "add", "appli-urbanisme", "--groups", "dpo"])
        assert created.exit_code == 0, created.output
        key = created.output.split()[0]
        assert key.startswith("bsl_")

        import uvicorn

        from assistant.api import create_app
        from assistant.settings import load_settings

        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(load_settings()), host="127.0.0.1", port=port,
                           log_level="warning")
        )  # fmt: skip
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 120
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "le serveur n'a pas démarré"
            time.sleep(0.2)
        try:
            yield {"BOUSSOLE_URL": f"http://127.0.0.1:{port}", "BOUSSOLE_KEY": key}
        finally:
            server.should_exit = True
            thread.join(timeout=30)


def test_the_readme_has_curl_and_python_examples() -> None:
    languages = [language for language, _ in readme_examples()]
    assert "bash" in languages and "python" in languages


def test_every_readme_example_runs_against_the_server(served: dict[str, str]) -> None:
    environ = {**os.environ, **served, "PYTHONPATH": str(ROOT)}
    for language, code in readme_examples():
        command = ["bash", "-euo", "pipefail", "-c", code] if language == "bash" else [
            sys.executable, "-c", code
        ]  # fmt: skip
        done = subprocess.run(
            command, env=environ, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, (code, done.stdout[-2000:], done.stderr[-2000:])
        assert done.stdout.strip(), code
        if language == "bash":
            assert '"source_path"' in done.stdout and "event: answer" in done.stdout
            assert "CONV-DEMO-" in done.stdout  # the key's DPO group sees the register
        else:
            assert "[1]" in done.stdout and "catalogue" in done.stdout  # citations and cards


def test_the_application_usage_shows_on_metrics(served: dict[str, str]) -> None:
    headers = {"X-API-Key": served["BOUSSOLE_KEY"]}
    url = served["BOUSSOLE_URL"]
    httpx.post(f"{url}/search", json={"query": "accès VPN"}, headers=headers, timeout=60)
    httpx.post(f"{url}/search", json={"query": ""}, headers=headers, timeout=60)  # a 422
    metrics = httpx.get(f"{url}/metrics", timeout=60).text
    sample = re.search(
        r'boussole_api_requests_total\{application="appli-urbanisme",route="/search",'
        r'status="200"\} (\d+)',
        metrics,
    )
    assert sample and int(sample.group(1)) >= 1, metrics[-3000:]
    assert re.search(
        r'boussole_api_errors_total\{application="appli-urbanisme",route="/search"\} [1-9]',
        metrics,
    )
    assert 'boussole_api_request_duration_seconds_count{application="appli-urbanisme"' in metrics
    assert served["BOUSSOLE_KEY"] not in metrics
