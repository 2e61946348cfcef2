"""The Alembic history builds exactly the schema the code declares: a table or column added to the code
without its migration (or the reverse) fails here, not on an operator's database.
And the start-up's shortcut: a database already at the head is left alone without importing Alembic; any other
state (new, older, unknown revision) still goes through Alembic."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import alembic.command
import alembic.util
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from bootstrap.db import (
    alembic_config,
    create_engine_for,
    current_revisions,
    head_revision,
    postgres_unavailable,
    scratch_schema,
    upgrade,
)
from bootstrap.migrations.env_metadata import TARGET_METADATA


def test_the_migrations_build_the_declared_schema(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'schema.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), list(TARGET_METADATA))
    engine.dispose()
    assert diff == []


# -- the start-up's fast path: a database at the head is left alone without Alembic ---------------------------


def _sqlite(tmp_path: Path) -> Engine:
    return create_engine_for(f"sqlite:///{tmp_path / 'schema.db'}")


def _index_names(engine: Engine, table: str) -> set[str]:
    return {str(ix["name"]) for ix in inspect(engine).get_indexes(table)}


def test_the_head_read_from_the_files_is_alembics_head() -> None:
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_a_new_database_is_migrated_to_the_head(tmp_path: Path) -> None:
    engine = _sqlite(tmp_path)
    assert current_revisions(engine) is None  # no alembic_version table yet
    upgrade(engine)
    assert current_revisions(engine) == [head_revision()]
    engine.dispose()


def test_an_older_revision_is_upgraded(tmp_path: Path) -> None:
    engine = _sqlite(tmp_path)
    upgrade(engine, "0008")
    assert "ix_conversations_updated_at" not in _index_names(engine, "conversations")
    upgrade(engine)
    assert current_revisions(engine) == [head_revision()]
    assert "ix_conversations_updated_at" in _index_names(engine, "conversations")  # 0009 ran
    engine.dispose()


def test_a_database_at_the_head_does_not_run_alembic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _sqlite(tmp_path)
    upgrade(engine)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Alembic ran for a database already at the head")

    monkeypatch.setattr(alembic.command, "upgrade", refuse)
    upgrade(engine)
    engine.dispose()


def test_a_revision_this_code_does_not_know_is_refused_clearly(tmp_path: Path) -> None:
    """A database migrated by newer code: Alembic says which revision it cannot find, as before."""
    engine = _sqlite(tmp_path)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(alembic.util.CommandError, match="9999"):
        upgrade(engine)
    engine.dispose()


def test_a_start_on_a_migrated_database_does_not_import_alembic(tmp_path: Path) -> None:
    """The container of a fresh process over a database at the head: Alembic (and mako) stay unimported."""
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    engine = create_engine_for(url)
    upgrade(engine)
    engine.dispose()
    code = (
        "import sys\n"
        "from bootstrap.container import build_container\n"
        "from bootstrap.settings import Settings\n"
        f"c = build_container(Settings(_env_file=None, portal_data_dir={str(tmp_path)!r}, portal_database_url={url!r}))\n"
        "c.engine.dispose()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]"


PG_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.mark.skipif(bool(postgres_unavailable(PG_URL)), reason=postgres_unavailable(PG_URL) or "")
def test_postgresql_new_old_and_head(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same three states on PostgreSQL: a failed read of the missing table must not spoil the upgrade."""
    with scratch_schema(PG_URL, "migr") as url:
        engine = create_engine_for(url)
        assert current_revisions(engine) is None
        upgrade(engine, "0008")
        assert current_revisions(engine) == ["0008"]
        upgrade(engine)
        assert current_revisions(engine) == [head_revision()]
        assert "ix_conversations_updated_at" in _index_names(engine, "conversations")
        monkeypatch.setattr(alembic.command, "upgrade", lambda *_a, **_k: pytest.fail("Alembic ran at the head"))
        upgrade(engine)
        engine.dispose()


# -- several workers starting at once on a database that needs migrating --------------------------------------

_UPGRADE_AT = """
import sys, time
from bootstrap.db import create_engine_for, upgrade
engine = create_engine_for(sys.argv[1])
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # every process starts migrating at the same moment
upgrade(engine)
engine.dispose()
"""


def _upgrade_at_once(url: str, processes: int = 4) -> None:
    """`processes` fresh interpreters upgrade `url` at the same moment; every one of them must succeed."""
    start_at = time.time() + 3.0  # after every interpreter has imported what it needs
    procs = [
        subprocess.Popen([sys.executable, "-c", _UPGRADE_AT, url, str(start_at)], stderr=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    failures = [err for proc in procs if (err := proc.communicate(timeout=120)[1]) and proc.returncode]
    assert failures == []


def test_workers_starting_at_once_on_a_new_sqlite_database_take_turns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    _upgrade_at_once(url)
    engine = create_engine_for(url)
    assert current_revisions(engine) == [head_revision()]
    engine.dispose()


def test_workers_starting_at_once_on_an_older_sqlite_database_take_turns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    engine = create_engine_for(url)
    upgrade(engine, "0008")
    _upgrade_at_once(url)
    assert current_revisions(engine) == [head_revision()]
    engine.dispose()


@pytest.mark.skipif(bool(postgres_unavailable(PG_URL)), reason=postgres_unavailable(PG_URL) or "")
def test_workers_starting_at_once_on_a_new_postgresql_schema_take_turns() -> None:
    with scratch_schema(PG_URL, "migr") as url:
        _upgrade_at_once(url)
        engine = create_engine_for(url)
        assert current_revisions(engine) == [head_revision()]
        engine.dispose()
