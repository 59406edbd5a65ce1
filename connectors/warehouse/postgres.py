"""Read a PostgreSQL warehouse's dictionary with SQLAlchemy's inspector: metadata only.

Schemas, tables and views with their comments, columns with types and comments, primary
and foreign keys, the planner's row estimate and the last analyse. Nothing here reads a
table's rows: the role given in the settings needs no SELECT right at all (CONNECT and
USAGE on the schemas are enough), which keeps row values out of reach by construction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from connectors.errors import SourceError

SYSTEM_SCHEMAS = ("information_schema", "pg_catalog", "pg_toast")

# The planner's estimate and the last analyse, from the catalogue (no row is read).
_STATISTICS = text(
    """
    SELECT n.nspname AS schema, c.relname AS name, c.reltuples::bigint AS rows,
           GREATEST(s.last_analyze, s.last_autoanalyze) AS analysed
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
    """
)


@dataclass(frozen=True)
class Column:
    """A column: name, SQL type, whether it may be empty, its comment."""

    name: str
    type: str
    nullable: bool
    comment: str | None = None


@dataclass(frozen=True)
class ForeignKey:
    """Columns of this table that point to another table's columns."""

    columns: tuple[str, ...]
    target: str  # schema.table
    target_columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table or view as the database describes it."""

    schema: str
    name: str
    kind: str  # "table" or "vue"
    comment: str | None
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    rows_estimate: int | None = None  # the planner's, after an analyse; None when unknown
    analysed: datetime | None = None

    @property
    def qualified(self) -> str:
        """The name as SQL writes it: "schema.table"."""
        return f"{self.schema}.{self.name}"


def connection_url(url: str, password: str | None) -> URL:
    """The SQLAlchemy URL with the password (kept out of the settings) and psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise SourceError(f"URL d'entrepôt invalide « {url} » ({exc}).") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if password is not None:
        parsed = parsed.set(password=password)
    return parsed


class WarehouseReader:
    """The dictionary of one database, schema by schema."""

    def __init__(
        self,
        url: URL,
        *,
        schemas: Sequence[str] = (),
        timeout_s: float = 30,
    ) -> None:
        self.url = url
        self.schemas = tuple(schemas)
        self.timeout_s = timeout_s

    def _engine(self) -> Engine:
        return create_engine(
            self.url,
            pool_pre_ping=False,
            connect_args={
                "connect_timeout": max(1, int(self.timeout_s)),
                # Read-only session whatever the role allows, and no long statement.
                "options": f"-c default_transaction_read_only=on "
                f"-c statement_timeout={int(self.timeout_s * 1000)}",
            },
        )

    def tables(self) -> list[Table]:
        """Every table and view of the chosen schemas (all but the system ones by default).

        Raises ``SourceError`` naming the server when it cannot be read: the run then keeps
        what was indexed.
        """
        from sqlalchemy import inspect

        where = f"{self.url.host}:{self.url.port or 5432}/{self.url.database}"
        engine = self._engine()
        try:
            with engine.connect() as connection:
                inspector = inspect(connection)
                schemas = self.schemas or tuple(
                    name
                    for name in inspector.get_schema_names()
                    if name not in SYSTEM_SCHEMAS and not name.startswith("pg_")
                )
                statistics = {
                    (row.schema, row.name): (row.rows, row.analysed)
                    for row in connection.execute(_STATISTICS)
                }
                found: list[Table] = []
                for schema in schemas:
                    found.extend(self._schema(inspector, schema, statistics))
                connection.rollback()
                return found
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise SourceError(f"Entrepôt {where} illisible : {reason}") from exc
        finally:
            engine.dispose()

    def _schema(
        self, inspector: Any, schema: str, statistics: dict[tuple[str, str], tuple[Any, Any]]
    ) -> Iterator[Table]:
        names = [(name, "table") for name in inspector.get_table_names(schema=schema)]
        names += [(name, "vue") for name in inspector.get_view_names(schema=schema)]
        names += [(name, "vue") for name in inspector.get_materialized_view_names(schema=schema)]
        for name, kind in sorted(names):
            rows, analysed = statistics.get((schema, name), (None, None))
            yield Table(
                schema=schema,
                name=name,
                kind=kind,
                comment=(inspector.get_table_comment(name, schema=schema) or {}).get("text"),
                columns=tuple(
                    Column(
                        name=str(column["name"]),
                        type=str(column["type"]),
                        nullable=bool(column.get("nullable", True)),
                        comment=column.get("comment"),
                    )
                    for column in inspector.get_columns(name, schema=schema)
                ),
                primary_key=tuple(
                    (inspector.get_pk_constraint(name, schema=schema) or {}).get(
                        "constrained_columns"
                    )
                    or ()
                )
                if kind == "table"
                else (),
                foreign_keys=tuple(
                    ForeignKey(
                        columns=tuple(key["constrained_columns"]),
                        target=f"{key.get('referred_schema') or schema}.{key['referred_table']}",
                        target_columns=tuple(key["referred_columns"]),
                    )
                    for key in inspector.get_foreign_keys(name, schema=schema)
                )
                if kind == "table"
                else (),
                rows_estimate=int(rows) if rows is not None and rows >= 0 else None,
                analysed=analysed,
            )
