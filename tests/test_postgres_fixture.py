"""The warehouse connector's test ground: DrHouse on a throw-away PostgreSQL (tests/postgres.py).

The read-only role must see the whole data dictionary through SQLAlchemy's inspector and
pg_catalog, and must not be able to read one row; the dictionary file and the question file
must point at what the warehouse holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.engine.reflection import ObjectKind
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.pool import NullPool

from eval.questions import load_questions
from tests.postgres import (
    DICTIONARY_ONLY_TABLE,
    DICTIONARY_UNKNOWN_RECORD,
    DICTIONARY_YAML,
    PLANTED_VALUES,
    SCHEMAS,
    WAREHOUSE_SQL,
    Warehouse,
    find_planted,
    running_warehouse,
)

ROOT = Path(__file__).resolve().parents[1]
GEOCAT = ROOT / "demo_corpus" / "catalogue" / "GeoCat Province Sud - extrait.xml"
QUESTIONS = ROOT / "eval" / "questions" / "warehouse.jsonl"

ROW_STATS = sa.text(
    """
    SELECT n.nspname AS schema, c.relname AS name, c.reltuples, s.last_analyze, s.last_autoanalyze
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_stat_user_tables s ON s.relid = c.oid
    WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(:schemas)
    """
)


def reader_engine(warehouse: Warehouse, pooled: bool = True) -> sa.Engine:
    """The connector's way in: the URL without password, the password passed aside."""
    pooling = {} if pooled else {"poolclass": NullPool}  # NullPool: no stale connection
    return sa.create_engine(warehouse.url, connect_args={"password": warehouse.password}, **pooling)


@pytest.fixture(scope="module")
def warehouse() -> Iterator[Warehouse]:
    # The same path as the `postgres_warehouse` fixture, without registering it in conftest.
    with running_warehouse() as warehouse:
        yield warehouse


@pytest.fixture(scope="module")
def reader(warehouse: Warehouse) -> Iterator[sa.Engine]:
    engine = reader_engine(warehouse)
    yield engine
    engine.dispose()


def relations(inspector: sa.Inspector) -> dict[str, str]:
    """Every table, view and materialized view of the warehouse: "schema.name" -> its kind."""
    found: dict[str, str] = {}
    for schema in SCHEMAS:
        for name in inspector.get_table_names(schema=schema):
            found[f"{schema}.{name}"] = "table"
        for name in inspector.get_view_names(schema=schema):
            found[f"{schema}.{name}"] = "view"
        for name in inspector.get_materialized_view_names(schema=schema):
            found[f"{schema}.{name}"] = "materialized view"
    return found


def test_reader_sees_tables_views_comments_and_keys_through_the_inspector(
    reader: sa.Engine,
) -> None:
    inspector = sa.inspect(reader)
    assert set(SCHEMAS) <= set(inspector.get_schema_names())
    tables = {schema: inspector.get_table_names(schema=schema) for schema in SCHEMAS}
    assert sum(len(names) for names in tables.values()) >= 32
    assert sum(1 for names in tables.values() if names) >= 4

    columns_total = columns_described = 0
    for schema, names in tables.items():
        for name in names:
            assert inspector.get_table_comment(name, schema=schema)["text"], f"{schema}.{name}"
            assert inspector.get_pk_constraint(name, schema=schema)["constrained_columns"]
            columns = inspector.get_columns(name, schema=schema)
            columns_total += len(columns)
            columns_described += sum(1 for column in columns if column.get("comment"))
    assert columns_described / columns_total > 0.6, (columns_described, columns_total)

    foreign = inspector.get_foreign_keys("versements", schema="aides_sociales")
    referred = {(key["referred_schema"], key["referred_table"]) for key in foreign}
    assert {("territoire", "communes"), ("finances", "mandats")} <= referred  # across schemas

    views = [(schema, view) for schema in SCHEMAS for view in inspector.get_view_names(schema)]
    assert len(views) >= 4
    for schema, view in views:
        assert inspector.get_table_comment(view, schema=schema)["text"], f"{schema}.{view}"
        assert "SELECT" in inspector.get_view_definition(view, schema=schema).upper()


def test_reader_gets_row_estimates_and_last_analyze_from_the_catalogue(
    reader: sa.Engine,
) -> None:
    with reader.connect() as conn:
        rows = {
            f"{row.schema}.{row.name}": row
            for row in conn.execute(ROW_STATS, {"schemas": list(SCHEMAS)})
        }
    assert len(rows) >= 32
    # ANALYZE samples up to 30,000 rows: on this small warehouse the estimate is exact.
    assert rows["aides_sociales.versements"].reltuples == 2437
    assert rows["territoire.communes"].reltuples == 14
    assert all(row.last_analyze is not None for row in rows.values())
    assert all(row.last_autoanalyze is None for row in rows.values())  # autovacuum is off


def test_reader_cannot_read_a_single_row(reader: sa.Engine, warehouse: Warehouse) -> None:
    names = relations(sa.inspect(reader))
    assert len(names) >= 36
    with reader.connect() as conn:
        for name in names:
            schema, relation = name.split(".")
            with pytest.raises(ProgrammingError) as denied:
                conn.execute(sa.text(f'SELECT * FROM "{schema}"."{relation}" LIMIT 1'))
            assert denied.value.orig is not None
            assert getattr(denied.value.orig, "sqlstate", None) == "42501", name
            conn.rollback()
        # Column statistics hold sampled values; pg_stats hides them without SELECT.
        stats = sa.text("SELECT count(*) FROM pg_catalog.pg_stats WHERE schemaname = ANY(:s)")
        assert conn.execute(stats, {"s": list(SCHEMAS)}).scalar() == 0
    assert int(warehouse.admin_sql("SELECT count(*) FROM pg_stats WHERE schemaname = 'rh'")) > 0


def test_reader_can_change_nothing_nor_reach_another_database(
    reader: sa.Engine, warehouse: Warehouse
) -> None:
    with reader.connect() as conn, pytest.raises(DBAPIError, match="read-only transaction"):
        conn.execute(sa.text("CREATE TABLE public.t (a int)"))
    other = sa.create_engine(
        warehouse.url.replace(f"/{warehouse.database}", "/postgres"),
        connect_args={"password": warehouse.password},
        poolclass=NullPool,
    )
    with pytest.raises(OperationalError, match="permission denied for database"):
        other.connect()


def test_planted_values_are_in_rows_and_nowhere_in_the_catalogue(
    reader: sa.Engine, warehouse: Warehouse
) -> None:
    inspector = sa.inspect(reader)
    catalogue: list[object] = []
    for schema in SCHEMAS:
        for reflect in (
            inspector.get_multi_table_comment,
            inspector.get_multi_columns,
            inspector.get_multi_pk_constraint,
            inspector.get_multi_foreign_keys,
            inspector.get_multi_indexes,
            inspector.get_multi_unique_constraints,
            inspector.get_multi_check_constraints,
        ):
            catalogue.append(reflect(schema=schema, kind=ObjectKind.ANY))
        catalogue += [
            inspector.get_view_definition(view, schema=schema)
            for view in inspector.get_view_names(schema=schema)
        ]
        catalogue.append(inspector.get_enums(schema=schema))  # type: ignore[attr-defined]
        catalogue.append(inspector.get_domains(schema=schema))  # type: ignore[attr-defined]
    assert find_planted(repr(catalogue)) == []

    rows = warehouse.admin_sql(
        "\n".join(
            f"SELECT t::text FROM {name} t;"
            for name, kind in relations(inspector).items()
            if kind == "table"
        )
    )
    assert [value for value in PLANTED_VALUES if value not in rows] == []
    assert find_planted(DICTIONARY_YAML.read_text(encoding="utf-8")) == []


def test_superuser_can_edit_the_warehouse_and_make_it_unreachable() -> None:
    with running_warehouse() as fresh:
        engine = reader_engine(fresh, pooled=False)
        fresh.admin_sql(
            "COMMENT ON TABLE rh.primes IS 'Primes (revu)';DROP TABLE rh.inscriptions_formation;"
        )
        inspector = sa.inspect(engine)
        assert inspector.get_table_comment("primes", schema="rh")["text"] == "Primes (revu)"
        assert "inscriptions_formation" not in inspector.get_table_names(schema="rh")

        fresh.cluster.stop()
        with pytest.raises(OperationalError, match="refused"):
            engine.connect()
        fresh.cluster.start()
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT current_user")).scalar() == fresh.user
    assert fresh.cluster.workdir is None  # stopped and deleted


def test_dictionary_matches_the_warehouse_but_for_its_two_deliberate_mismatches(
    reader: sa.Engine,
) -> None:
    entries = yaml.safe_load(DICTIONARY_YAML.read_text(encoding="utf-8"))["tables"]
    known = relations(sa.inspect(reader))
    assert set(entries) - set(known) == {DICTIONARY_ONLY_TABLE}
    assert len(set(known) - set(entries)) >= 15  # most tables rely on their DB comment alone
    assert {entry["sensibilite"] for entry in entries.values()} == {"sensible", "normale"}
    assert sum(entry["sensibilite"] == "sensible" for entry in entries.values()) >= 4

    geocat = GEOCAT.read_text(encoding="utf-8")
    records = {entry["fiche_catalogue"] for entry in entries.values() if "fiche_catalogue" in entry}
    assert len(records) >= 3
    assert {record for record in records if record not in geocat} == {DICTIONARY_UNKNOWN_RECORD}


def test_warehouse_questions_point_at_relations_of_the_warehouse(reader: sa.Engine) -> None:
    known = {f"drhouse/{name}" for name in relations(sa.inspect(reader))}
    questions = load_questions(QUESTIONS)
    assert len(questions) >= 24
    assert {question.kind for question in questions} == {"dataset"}
    for question in questions:
        assert set(question.relevant) <= known, question.id
        assert "_" not in question.question, question.id  # people do not say table names
    first_choices = {question.relevant[0].split("/")[1].split(".")[0] for question in questions}
    assert first_choices == set(SCHEMAS)
    assert WAREHOUSE_SQL.read_text(encoding="utf-8").rstrip().endswith("ANALYZE;")
