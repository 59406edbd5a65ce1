"""A throw-away PostgreSQL cluster holding DrHouse, the fictional warehouse of the tests.

The warehouse connector reads DrHouse's data dictionary through SQLAlchemy's inspector, as a
read-only role. Its tests need a real server, so this module runs one: initdb in a temp folder,
a postmaster on 127.0.0.1 (free port) with its unix socket in that folder,
tests/data/warehouse/drhouse.sql loaded into database `drhouse`, and the login role
`boussole_lecture` given CONNECT on the database and USAGE on its schemas, nothing more: no
SELECT on any table or view, so not one row value can be read through it (the catalogue is
readable without it). Stdlib + pytest only.

initdb and postgres refuse to run as root: as root, they run as the `postgres` system user
(Debian's `postgresql` package creates it) through `runuser`, and that user owns the temp folder.
Tests skip when the server binaries are missing, and fail instead when
BOUSSOLE_REQUIRE_POSTGRES=1 (CI installs them).

    with running_warehouse() as warehouse:
        engine = sqlalchemy.create_engine(
            warehouse.url, connect_args={"password": warehouse.password}
        )
        warehouse.admin_sql("COMMENT ON TABLE rh.primes IS 'Primes'")  # as the superuser
        warehouse.cluster.stop()   # the database is now unreachable
        warehouse.cluster.start()  # back, same port

Fixtures (register them in tests/conftest.py with
`from tests.postgres import fresh_postgres_warehouse, postgres_warehouse  # noqa: F401`):
`postgres_warehouse`, one cluster for the session, to read and never change;
`fresh_postgres_warehouse`, a cluster per test, to drop tables, edit comments, stop the server.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import NoReturn

import pytest

from tests.servers import free_port

WAREHOUSE_DIR = Path(__file__).resolve().parent / "data" / "warehouse"
WAREHOUSE_SQL = WAREHOUSE_DIR / "drhouse.sql"
DICTIONARY_YAML = WAREHOUSE_DIR / "dictionnaire.yaml"

DATABASE = "drhouse"
READER = "boussole_lecture"
ADMIN = "postgres"
SCHEMAS = ("aides_sociales", "environnement", "finances", "rh", "territoire")
REQUIRE_ENV = "BOUSSOLE_REQUIRE_POSTGRES"
SERVICE_USER = "postgres"  # runs initdb and the server when the tests run as root
DEBIAN_BINDIRS = "/usr/lib/postgresql/*/bin"
START_TIMEOUT_S = 60

# Row values planted in drhouse.sql (see its header) that must never reach the index: the
# connector reads the catalogue only. They appear in no comment, default, constraint or view.
PLANTED_VALUES: tuple[str, ...] = (
    "Zéphyrine Kowalczyk-Tuiasosopo",
    "Kowalczyk-Tuiasosopo",
    "Anatole Qaraqosh-Wénéhoua",
    "987654.321",
    "PLANT-ROW-7731-XQ",
    "planted.row@drhouse.invalid",
    "7731-XQ-IBAN-NC00",
    "+687 77 31 99",
)
# Fragments to scan indexed text for (casefolded): a leak, however reformatted, holds one.
PLANTED_MARKERS: tuple[str, ...] = (
    "kowalczyk",
    "tuiasosopo",
    "qaraqosh",
    "987654",
    "987 654",
    "7731-xq",
    "plant-row",
    "planted.row",
    "drhouse.invalid",
    "77 31 99",
)

# The two deliberate mismatches of dictionnaire.yaml: an entry for a table the warehouse does
# not have, and a catalogue record that is not in demo_corpus/catalogue/.
DICTIONARY_ONLY_TABLE = "finances.ancienne_table_supprimee"
DICTIONARY_UNKNOWN_RECORD = "ps-dsin-2019-reseau-routier-provincial"


def find_planted(text: str) -> list[str]:
    """The planted markers found in text (empty when nothing leaked)."""
    folded = text.casefold()
    return [marker for marker in PLANTED_MARKERS if marker in folded]


class PostgresUnavailable(RuntimeError):
    """No usable PostgreSQL server on this machine: the tests skip (or fail if required)."""


class PostgresError(RuntimeError):
    """A PostgreSQL command failed; the message holds its output."""


class ServerBinaries:
    """initdb, pg_ctl and postgres from one directory, and a psql to talk to them."""

    def __init__(self, bindir: Path, psql: Path) -> None:
        self.bindir = bindir
        self.initdb = bindir / "initdb"
        self.pg_ctl = bindir / "pg_ctl"
        self.postgres = bindir / "postgres"
        self.psql = psql

    def __repr__(self) -> str:
        return f"ServerBinaries({self.bindir})"


def _is_server_bindir(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres"))


def _debian_version(bindir: Path) -> float:
    try:
        return float(bindir.parent.name)
    except ValueError:
        return 0.0


def find_server_binaries() -> ServerBinaries | None:
    """The server binaries on PATH, else the newest Debian ones; None when there are none."""
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path:
        # /usr/local/bin/initdb may be a symlink into /usr/lib/postgresql/NN/bin.
        candidates += [Path(on_path).parent, Path(on_path).resolve().parent]
    debian = sorted(Path("/").glob(DEBIAN_BINDIRS.lstrip("/")), key=_debian_version, reverse=True)
    for bindir in [*candidates, *debian]:
        if not _is_server_bindir(bindir):
            continue
        psql = bindir / "psql" if os.access(bindir / "psql", os.X_OK) else None
        found = shutil.which("psql")
        if psql is None and found:
            psql = Path(found)
        if psql is not None:
            return ServerBinaries(bindir, psql)
    return None


def _clean_env() -> dict[str, str]:
    """The environment without PG* variables (a stray PGHOST or PGUSER would redirect psql)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env.update(PGCONNECT_TIMEOUT="10", PGCLIENTENCODING="UTF8", LC_MESSAGES="C")
    return env


class PostgresCluster:
    """One initdb'd data directory and its server: stop() and start() at will, close() at the end.

    The superuser is `postgres`, trusted on the unix socket (in a folder only the server's user
    can enter) and password-checked (scram) on 127.0.0.1.
    """

    def __init__(self, binaries: ServerBinaries) -> None:
        self.binaries = binaries
        self.host = "127.0.0.1"
        self.port = 0
        self.admin_user = ADMIN
        self.admin_password = secrets.token_urlsafe(18)
        self.workdir: Path | None = None
        self.running = False
        self.start_seconds = 0.0  # initdb + first start, for reports
        self._runas: list[str] = []
        self._owner: tuple[int, int] | None = None
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam(SERVICE_USER)
            except KeyError:
                raise PostgresUnavailable(
                    f"running as root, and there is no `{SERVICE_USER}` system user to run"
                    " initdb/postgres (install Debian's `postgresql` package, or run as a"
                    " normal user)"
                ) from None
            runuser = shutil.which("runuser")
            if runuser is None:
                raise PostgresUnavailable("running as root, and `runuser` is not installed")
            self._runas = [runuser, "-u", SERVICE_USER, "--"]
            self._owner = (account.pw_uid, account.pw_gid)

    # --- paths -----------------------------------------------------------------------------
    def _path(self, name: str) -> Path:
        if self.workdir is None:
            raise PostgresError("cluster not initialised: call init() (or use it as a context)")
        return self.workdir / name

    @property
    def datadir(self) -> Path:
        return self._path("data")

    @property
    def socket_dir(self) -> Path:
        return self._path("socket")

    @property
    def logfile(self) -> Path:
        return self._path("server.log")

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the server log, to explain a failure."""
        try:
            return self.logfile.read_text(encoding="utf-8", errors="replace")[-chars:]
        except (OSError, PostgresError):
            return ""

    # --- processes --------------------------------------------------------------------------
    def _run(
        self,
        args: Sequence[str | Path],
        *,
        as_server: bool,
        input_text: str | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        command = [*(self._runas if as_server else []), *map(str, args)]
        done = subprocess.run(
            command,
            input=input_text,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=_clean_env(),
            cwd=self.workdir or None,  # runuser's user must be able to enter the cwd
        )
        if done.returncode:
            raise PostgresError(
                f"{Path(str(args[0])).name} failed ({done.returncode}): {' '.join(command)}\n"
                f"{done.stdout[-2000:]}{done.stderr[-4000:]}"
            )
        return done

    def _give_to_server(self, path: Path) -> None:
        if self._owner is not None:
            os.chown(path, *self._owner)

    def init(self) -> None:
        """initdb a fresh data directory in a new temp folder, and configure the server."""
        base = tempfile.gettempdir()
        # Unix socket paths are limited to ~107 bytes; the server's user must reach the folder.
        if (self._owner is not None or len(base) > 60) and os.path.isdir("/tmp"):
            base = "/tmp"
        self.workdir = Path(tempfile.mkdtemp(prefix="boussole-pg-", dir=base))
        self._give_to_server(self.workdir)
        self.socket_dir.mkdir(mode=0o700)
        self._give_to_server(self.socket_dir)
        pwfile = self._path("pwfile")
        pwfile.write_text(self.admin_password + "\n", encoding="utf-8")
        pwfile.chmod(0o600)
        self._give_to_server(pwfile)
        started = time.monotonic()
        try:
            self._run(
                [self.binaries.initdb, "--pgdata", self.datadir, "--username", ADMIN,
                 "--pwfile", pwfile, "--encoding", "UTF8", "--locale", "C",
                 "--auth-local", "trust", "--auth-host", "scram-sha-256", "--no-sync"],
                as_server=True,
            )  # fmt: skip
        finally:
            pwfile.unlink()
        self.start_seconds = time.monotonic() - started
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.socket_dir}'",
            "max_connections": "40",
            "shared_buffers": "32MB",
            "fsync": "off",  # a throw-away cluster: durability buys nothing
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "autovacuum": "off",  # row counts and last_analyze change only when a test says so
            "timezone": "'Pacific/Noumea'",
            "lc_messages": "'C'",
        }
        with (self.datadir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# tests/postgres.py\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def start(self) -> None:
        """Start the server (on the same port after a stop); wait until it accepts connections."""
        if self.running:
            return
        started = time.monotonic()
        fixed_port = self.port != 0
        for _attempt in range(5):
            if not fixed_port:
                self.port = free_port()
            try:
                self._run(
                    [self.binaries.pg_ctl, "start", "--pgdata", self.datadir, "--log",
                     self.logfile, "--wait", "--timeout", str(START_TIMEOUT_S), "--silent",
                     "-o", f"-p {self.port}"],
                    as_server=True, timeout=START_TIMEOUT_S + 30,
                )  # fmt: skip
            except PostgresError as error:
                clash = "could not bind" in self.log_tail() or "in use" in self.log_tail()
                if clash and not fixed_port:
                    continue  # another process took the port between free_port() and bind()
                raise PostgresError(f"{error}\n--- server log ---\n{self.log_tail()}") from None
            self.running = True
            self.start_seconds += time.monotonic() - started
            return
        raise PostgresError(f"no free port after 5 tries\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop the server (fast shutdown, immediate if that hangs); the data directory stays."""
        if not self.running or self.workdir is None:
            return
        try:
            self._run(
                [self.binaries.pg_ctl, "stop", "--pgdata", self.datadir, "--mode", "fast",
                 "--wait", "--timeout", "30", "--silent"],
                as_server=True, timeout=60,
            )  # fmt: skip
        except (PostgresError, subprocess.TimeoutExpired):
            self._run(
                [self.binaries.pg_ctl, "stop", "--pgdata", self.datadir, "--mode", "immediate",
                 "--wait", "--silent"],
                as_server=True, timeout=60,
            )  # fmt: skip
        self.running = False

    def close(self) -> None:
        """Stop the server and delete its temp folder."""
        try:
            self.stop()
        finally:
            if self.workdir is not None:
                shutil.rmtree(self.workdir, ignore_errors=True)
                self.workdir = None

    def __enter__(self) -> PostgresCluster:
        try:
            self.init()
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- SQL as the superuser ---------------------------------------------------------------
    def _psql(self, database: str) -> list[str | Path]:
        return [
            self.binaries.psql, "--no-psqlrc", "--quiet", "--no-align", "--tuples-only",
            "--set", "ON_ERROR_STOP=1", "--host", self.socket_dir, "--port", str(self.port),
            "--username", ADMIN, "--dbname", database,
        ]  # fmt: skip

    def admin_sql(self, sql: str, database: str = DATABASE) -> str:
        """Run SQL statements as the superuser; their rows as `a|b` lines, stripped."""
        return self._run(self._psql(database), as_server=False, input_text=sql).stdout.strip()

    def admin_script(self, path: Path, database: str = DATABASE) -> None:
        """Run a SQL file as the superuser (psql reads it: the server's user needs no access)."""
        self._run([*self._psql(database), "--file", path], as_server=False, timeout=300)

    def admin_url(self, database: str = DATABASE) -> str:
        """SQLAlchemy URL of the superuser over TCP, password included (tests only)."""
        return (
            f"postgresql+psycopg://{ADMIN}:{self.admin_password}@{self.host}:{self.port}/{database}"
        )


def reader_grants(password: str) -> str:
    """The read-only role: CONNECT on the database, USAGE on its schemas, and nothing else.

    The inspector needs only CONNECT (pg_catalog is readable by every role; USAGE only changes
    "permission denied for schema" into "... for table"). PUBLIC loses its default CONNECT and
    TEMP, so the role reaches no other database and cannot create temp tables.
    """
    if not re.fullmatch(r"[A-Za-z0-9_-]+", password):
        raise ValueError("the reader's password must be URL-safe base64")
    return f"""
        CREATE ROLE {READER} LOGIN PASSWORD '{password}'
            NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS;
        ALTER ROLE {READER} SET default_transaction_read_only = on;
        REVOKE ALL ON DATABASE {DATABASE}, postgres, template1 FROM PUBLIC;
        GRANT CONNECT ON DATABASE {DATABASE} TO {READER};
        GRANT USAGE ON SCHEMA {", ".join(SCHEMAS)} TO {READER};
    """


class Warehouse:
    """DrHouse on a running cluster: how the read-only role connects, and superuser helpers."""

    def __init__(self, cluster: PostgresCluster, password: str) -> None:
        self.cluster = cluster
        self.database = DATABASE
        self.user = READER
        self.password = password

    @property
    def host(self) -> str:
        return self.cluster.host

    @property
    def port(self) -> int:
        return self.cluster.port

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the read-only role, without its password."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{self.database}"

    @property
    def admin_url(self) -> str:
        return self.cluster.admin_url(self.database)

    def admin_sql(self, sql: str) -> str:
        """Run SQL in drhouse as the superuser (drop a table, edit a comment, ANALYZE...)."""
        return self.cluster.admin_sql(sql, self.database)

    def __repr__(self) -> str:
        return f"Warehouse({self.url})"


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_ENV, "") not in ("", "0"):
        pytest.fail(f"{REQUIRE_ENV} is set but PostgreSQL cannot run here: {reason}")
    pytest.skip(f"PostgreSQL indisponible / unavailable: {reason}")


@contextmanager
def running_warehouse() -> Iterator[Warehouse]:
    """A new cluster with DrHouse loaded and the read-only role; stopped and deleted on exit."""
    binaries = find_server_binaries()
    if binaries is None:
        _unavailable(
            f"initdb, pg_ctl and postgres are neither on PATH nor in {DEBIAN_BINDIRS};"
            " install Debian's `postgresql` package"
        )
    try:
        cluster = PostgresCluster(binaries)
    except PostgresUnavailable as error:
        _unavailable(str(error))
    with cluster:
        cluster.admin_sql(f"CREATE DATABASE {DATABASE}", database="postgres")
        cluster.admin_script(WAREHOUSE_SQL)
        password = secrets.token_urlsafe(18)
        cluster.admin_sql(reader_grants(password))
        yield Warehouse(cluster, password)


@pytest.fixture(scope="session")
def postgres_warehouse() -> Iterator[Warehouse]:
    """DrHouse shared by the whole session: read it, never change it (see the fresh one)."""
    with running_warehouse() as warehouse:
        yield warehouse


@pytest.fixture
def fresh_postgres_warehouse() -> Iterator[Warehouse]:
    """DrHouse on a cluster of its own: drop tables, edit comments, stop the server at will."""
    with running_warehouse() as warehouse:
        yield warehouse
