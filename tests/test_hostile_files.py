"""Hostile files in an indexed folder: links leading out, pipes, sockets, huge files.

Each is skipped with a French reason naming it (the run is partial, exit code 3), nothing
from outside the folder reaches the index, and what was indexed stays indexed. The same
rule holds for ``/documents``, the register's ``fichier`` paths and the warehouse
dictionary.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.settings import load_settings
from connectors import safe_files
from connectors.base import SkippedDocument, SourceDocument
from connectors.conventions.register import load_register
from connectors.errors import SourceError
from connectors.files import FilesConnector
from connectors.formats.csv import parse_csv
from connectors.formats.structure import UnreadableFile
from connectors.safe_files import UnsafeFile, check_file, read_file
from connectors.warehouse.dictionary import load_dictionary
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore
from tests.conftest import FakeEmbedder, index_folder, make_pipeline
from tests.documents_app import documents_client, runtime_over
from ui.server import resolve_document

SECRET = "SECRET-PLANTE-9c41e7"  # planted outside the folder: must never be indexed


def big_csv(rows: int) -> bytes:
    """An administrative export: a file number, a commune code, a filing date, an amount."""
    pick = random.Random(7)
    communes = ("98818", "98817", "98805", "98809", "98811")
    lines = ["dossier;code_commune;date_depot;montant"]
    lines += [
        f"{i:05d};{pick.choice(communes)};2023-{pick.randint(1, 12):02d}-"
        f"{pick.randint(1, 28):02d};{pick.randint(100, 9999)}"
        for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


@contextlib.contextmanager
def released_after(fifo: Path, seconds: float) -> Iterator[None]:
    """Should anything open ``fifo`` and block, open its other end after ``seconds``.

    The blocked reader then sees an empty file: the test fails instead of hanging.
    """
    stop = threading.Event()

    def release() -> None:
        if stop.wait(seconds):
            return
        while not stop.wait(0.5):
            with contextlib.suppress(OSError):  # ENXIO: nobody is reading
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    watchdog = threading.Thread(target=release, daemon=True)
    watchdog.start()
    try:
        yield
    finally:
        stop.set()
        watchdog.join(timeout=5)


@contextlib.contextmanager
def unix_socket(path: Path) -> Iterator[bool]:
    """A listening socket file at ``path``; False where the name is too long for one."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
    except OSError:
        server.close()
        yield False
        return
    try:
        yield True
    finally:
        server.close()


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the indexed one, holding the planted secret."""
    folder = tmp_path / "ailleurs"
    folder.mkdir()
    (folder / "passwd").write_text(f"root:x:0:0:{SECRET}:/root:/bin/bash\n", "utf-8")
    (folder / "confidentiel.md").write_text(f"# Paie\nMot de passe : {SECRET}\n", "utf-8")
    return folder


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "procédures").mkdir(parents=True)
    (root / "procédures" / "vpn.md").write_text(
        "# Accès VPN\nLe compte VPN est ouvert sous huit jours ouvrés après validation du "
        "formulaire F-ACC-02 par le chef de service.\n",
        "utf-8",
    )
    return root


# -- the one check ---------------------------------------------------------------------------


def test_the_check_allows_regular_files_and_links_that_stay_inside(
    corpus: Path, outside: Path
) -> None:
    target = corpus / "procédures" / "vpn.md"
    (corpus / "raccourci.md").symlink_to(target)
    assert check_file(corpus / "raccourci.md", [corpus]) == target.resolve()
    assert read_file(corpus / "raccourci.md", [corpus]).data == target.read_bytes()
    # A root declared elsewhere (the folder itself reached through a link) is followed.
    (outside / "lien-racine").symlink_to(corpus)
    assert read_file(outside / "lien-racine" / "procédures" / "vpn.md", [outside / "lien-racine"])


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda root, out: (root / "x.md").symlink_to(out / "passwd"), "lien symbolique qui sort"),
        (lambda root, out: (root / "x.md").symlink_to(root / "absent.md"), "lien symbolique cassé"),
        (lambda root, out: (root / "x.md").symlink_to(root / "x.md"), "lien symbolique en boucle"),
        (lambda root, out: os.mkfifo(root / "x.md"), "tube nommé (FIFO)"),
        (lambda root, out: (root / "x.md").mkdir(), "dossier"),
        (lambda root, out: (root / "x.md").symlink_to("/dev/zero"), "lien symbolique qui sort"),
    ],
)
def test_the_check_refuses_what_is_not_a_regular_file_inside(
    corpus: Path, outside: Path, make: object, reason: str
) -> None:
    make(corpus, outside)  # type: ignore[operator]
    with pytest.raises(UnsafeFile, match=reason.replace("(", r"\(").replace(")", r"\)")):
        read_file(corpus / "x.md", [corpus])


def test_a_device_inside_an_allowed_root_is_refused_unopened() -> None:
    with pytest.raises(UnsafeFile, match="périphérique"):
        read_file(Path("/dev/zero"), [Path("/dev")])


def test_a_file_swapped_after_the_check_is_refused_on_the_open_descriptor(
    corpus: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The path check passed, then someone put a link or a pipe there: still not read."""
    link, fifo = corpus / "lien.md", corpus / "tube.md"
    link.symlink_to(outside / "passwd")
    os.mkfifo(fifo)
    monkeypatch.setattr(safe_files, "check_file", lambda path, roots, folder: path)  # the race won
    with pytest.raises(UnsafeFile, match="remplacé par un lien"):
        read_file(link, [corpus])
    with released_after(fifo, 30):
        started = time.monotonic()
        with pytest.raises(UnsafeFile, match="FIFO"):
            read_file(fifo, [corpus])
    assert time.monotonic() - started < 5  # refused at once, never blocked on the pipe


def test_a_file_over_the_limit_is_refused_without_being_read(corpus: Path) -> None:
    huge = corpus / "export.txt"
    with huge.open("wb") as handle:
        handle.truncate(60 * 1024 * 1024)  # sparse: 60 MiB, nothing written
    [skipped] = FilesConnector(corpus).read(huge)
    assert isinstance(skipped, SkippedDocument)
    assert skipped.reason.startswith("fichier trop volumineux (62,9 Mo, limite 50,0 Mo)")
    assert "files.max_file_bytes" in skipped.reason
    [small] = FilesConnector(corpus, max_file_bytes=1024).read(corpus / "procédures" / "vpn.md")
    assert isinstance(small, SourceDocument)


# -- CSV -------------------------------------------------------------------------------------


def test_a_csv_is_read_row_by_row_into_sections_of_25() -> None:
    parsed = parse_csv(big_csv(60))
    assert [s.heading.split(" — ")[1] for s in parsed.sections if s.heading] == [
        "lignes 1 à 25",
        "lignes 26 à 50",
        "lignes 51 à 60",
    ]
    assert parsed.sections[0].text.splitlines()[0].startswith("dossier : 00000 ; code_commune")


def test_a_100000_row_csv_is_refused_in_seconds_naming_the_limit_and_setting() -> None:
    data = big_csv(100_000)
    assert 2_500_000 < len(data) < 3_000_000
    started = time.monotonic()
    with pytest.raises(UnreadableFile) as refused:
        parse_csv(data)
    assert time.monotonic() - started < 10  # stops at row 5,001, never parses the rest
    message = str(refused.value)
    assert "plus de 5\u202f000 lignes" in message and "files.max_csv_rows" in message
    assert len(parse_csv(data, max_rows=100_000).sections) == 4000


# -- the command line, end to end -----------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BOUSSOLE_SETTINGS", str(Path(__file__).parents[1] / "settings.yaml"))
    monkeypatch.setenv("BOUSSOLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BOUSSOLE_EMBEDDING__MODEL", str(model_dir))
    monkeypatch.delenv("QDRANT_URL", raising=False)
    return tmp_path / "data"


@pytest.mark.slow
def test_index_skips_hostile_files_with_reasons_and_leaks_nothing(
    env: Path, corpus: Path, outside: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["index", str(corpus)])
    assert first.exit_code == 0, first.output

    (corpus / "comptes.txt").symlink_to(outside / "passwd")
    (corpus / "partage_rh").symlink_to(outside)  # a folder link leading out
    (corpus / "raccourci").symlink_to(corpus / "procédures")  # inside: not walked twice
    (corpus / "vpn-lien.md").symlink_to(corpus / "procédures" / "vpn.md")  # inside: read
    os.mkfifo(corpus / "x.md")
    with (corpus / "archive.txt").open("wb") as handle:
        handle.truncate(60 * 1024 * 1024)
    (corpus / "export.csv").write_bytes(big_csv(100_000))
    # Names a person in its folder and in its text; a name that reads as Rich markup.
    (corpus / "agents" / "Léa Hnawia").mkdir(parents=True)
    (corpus / "agents" / "Léa Hnawia" / "fiche de poste.txt").write_text(
        "Mme Léa Hnawia tient le guichet VPN. Hnawia devra rappeler la DSIN.", "utf-8"
    )
    (corpus / "[bold]note[red] :x:.md").write_text(
        "# Partage\nLes pièces vont dans [/partage/compta] avant validation.", "utf-8"
    )
    report_path = tmp_path / "rapport.json"
    monkeypatch.setattr("assistant.cli.common.PLAIN_PROGRESS_EVERY_S", 0.2)
    with unix_socket(corpus / "s.md") as has_socket, released_after(corpus / "x.md", 120):
        started = time.monotonic()
        second = runner.invoke(app, ["index", str(corpus), "--report", str(report_path)])
        elapsed = time.monotonic() - started

    assert second.exit_code == 3, second.output
    assert elapsed < 300  # the export is refused, not embedded row after row
    reasons = {s["path"]: s["reason"] for s in json.loads(report_path.read_text())["skipped"]}
    expected = {
        "comptes.txt": "lien symbolique qui sort du dossier indexé",
        "partage_rh": "lien symbolique qui sort du dossier indexé",
        "x.md": "tube nommé (FIFO) : ce n'est pas un fichier ordinaire",
        "archive.txt": "fichier trop volumineux",
        "export.csv": "tableau CSV de plus de 5\u202f000 lignes",
    }
    if has_socket:
        expected["s.md"] = "socket : ce n'est pas un fichier ordinaire"
    assert set(reasons) == set(expected)
    for path, reason in expected.items():
        assert reason in reasons[path]
        assert path in second.output  # the summary names each skipped file
    assert "files.max_csv_rows" in reasons["export.csv"]
    assert "files.max_file_bytes" in reasons["archive.txt"]
    assert "Indexation : " in second.stderr  # a plain progress line, stderr being no terminal
    assert "[bold]note[red] :x:.md" not in reasons  # read, and named as it is
    assert "Hnawia" not in second.output and "agents/<PERSONNE>/fiche de poste.txt" in (
        second.output
    )

    # Nothing from outside reached the index, the report or the output.
    assert SECRET not in second.output
    for stored in env.rglob("*"):
        if stored.is_file():
            content = stored.read_bytes()
            assert SECRET.encode() not in content, stored
            assert b"Hnawia" not in content, stored  # index, reports, state: no name

    # What was indexed stays indexed; the link inside the folder is read like its target.
    search = runner.invoke(app, ["search", "délai d'ouverture du compte VPN", "--json", "-k", "5"])
    assert search.exit_code == 0, search.output
    hits = json.loads(search.output)["hits"]
    assert {"procédures/vpn.md", "vpn-lien.md"} <= {hit["source_path"] for hit in hits}
    assert "Hnawia" not in search.output  # its key is sealed, its display path redacted


# -- /documents, the register, the warehouse dictionary --------------------------------------


def test_documents_refuses_an_indexed_file_later_swapped_for_a_link_out_or_a_pipe(
    tmp_path: Path,
    corpus: Path,
    outside: Path,
    fake_embedder: FakeEmbedder,
    bm25: FrenchBm25,
    store: QdrantStore,
) -> None:
    (corpus / "comptes.txt").write_text("Comptes de l'exercice 2023.", "utf-8")
    (corpus / "x.md").write_text("# Note\nUne note de service.", "utf-8")
    index_folder(make_pipeline(fake_embedder, bm25, store), corpus)
    settings = load_settings(tmp_path / "absent.yaml", data_dir=tmp_path / "data")
    client = documents_client(runtime_over(settings, store, fake_embedder, bm25), corpus)
    assert client.get("/documents/comptes.txt").status_code == 200

    (corpus / "comptes.txt").unlink()
    (corpus / "comptes.txt").symlink_to(outside / "passwd")
    (corpus / "x.md").unlink()
    os.mkfifo(corpus / "x.md")
    with released_after(corpus / "x.md", 30):
        for path in ("comptes.txt", "x.md"):
            response = client.get(f"/documents/{path}")
            assert response.status_code == 404
            assert response.json()["code"] == "document_introuvable"
            assert SECRET not in response.text
    (corpus / "vpn-lien.md").symlink_to(corpus / "procédures" / "vpn.md")
    assert resolve_document(corpus, "vpn-lien.md") == (corpus / "procédures" / "vpn.md").resolve()
    assert resolve_document(corpus, "procédures/../../ailleurs/passwd") is None
    assert resolve_document(corpus, "x\x00.md") is None


def test_register_rows_naming_a_link_out_or_a_pipe_are_problems(
    corpus: Path, outside: Path
) -> None:
    (corpus / "conventions").mkdir()
    (corpus / "conventions" / "cafat.pdf").symlink_to(outside / "passwd")
    os.mkfifo(corpus / "conventions" / "dinum.pdf")
    register = corpus / "registre.yaml"
    register.write_text(
        "conventions:\n"
        "  - {id: C1, titre: Convention CAFAT, fichier: conventions/cafat.pdf}\n"
        "  - {id: C2, titre: Convention DINUM, fichier: conventions/dinum.pdf}\n"
        "  - {id: C3, titre: Convention ISEE, fichier: ../ailleurs/passwd}\n"
        "  - {id: C4, titre: Convention VPN, fichier: procédures/vpn.md}\n",
        "utf-8",
    )
    loaded = load_register(register, corpus)
    problems = {p.where.rsplit("(", 1)[1].rstrip(")"): p.reason for p in loaded.problems}
    assert set(problems) == {"C1", "C2", "C3"}  # C4's file is a regular file inside
    assert "lien symbolique qui sort du dossier des conventions" in problems["C1"]
    assert "cafat.pdf" in problems["C1"]
    assert "tube nommé (FIFO)" in problems["C2"]
    assert "chemin hors du dossier des conventions" in problems["C3"]
    assert len(loaded.conventions) == 4  # the rows are kept; only their file is refused


def test_a_register_or_dictionary_that_is_a_pipe_or_a_link_out_is_refused(
    tmp_path: Path, outside: Path
) -> None:
    folder = tmp_path / "reglages"
    folder.mkdir()
    (folder / "registre.yaml").symlink_to(outside / "passwd")
    os.mkfifo(folder / "dictionnaire.yaml")
    (folder / "lien.yaml").symlink_to(outside / "passwd")
    with released_after(folder / "dictionnaire.yaml", 30):
        with pytest.raises(SourceError, match="lien symbolique qui sort") as register:
            load_register(folder / "registre.yaml")
        with pytest.raises(SourceError, match=r"tube nommé \(FIFO\)"):
            load_dictionary(folder / "dictionnaire.yaml")
        with pytest.raises(SourceError, match="lien symbolique qui sort") as dictionary:
            load_dictionary(folder / "lien.yaml")
    assert SECRET not in register.value.message + dictionary.value.message
    (folder / "vrai.yaml").write_text("tables:\n  rh.agents: {proprietaire: DRH}\n", "utf-8")
    (folder / "dictionnaire-lien.yaml").symlink_to(folder / "vrai.yaml")
    assert load_dictionary(folder / "dictionnaire-lien.yaml")["rh.agents"].owner == "DRH"
