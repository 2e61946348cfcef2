"""When /metrics adds up workers: `serve` decides from the worker count and PROMETHEUS_MULTIPROC_DIR."""

from __future__ import annotations

import os
from pathlib import Path

from service.metrics_multiproc import DEFAULT_SUBDIR, ENV, active_dir, directory_for, prepare


def test_one_worker_keeps_the_embedded_metrics_unless_a_directory_is_set(tmp_path: Path):
    assert directory_for(None, tmp_path, workers=1) is None
    assert directory_for(None, tmp_path, workers=2) == tmp_path / DEFAULT_SUBDIR
    assert directory_for(tmp_path / "mine", tmp_path, workers=1) == tmp_path / "mine"
    assert directory_for(tmp_path / "mine", tmp_path, workers=4) == tmp_path / "mine"


def test_prepare_empties_only_prometheus_files_and_exports_the_directory(tmp_path: Path, monkeypatch):
    # Recorded, so that the test removes what prepare() exports (delenv of an absent variable records nothing):
    # a variable left behind would put every later-imported prometheus_client in multiprocess mode.
    monkeypatch.setenv(ENV, "unset after the test")
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_123.db").write_bytes(b"old")
    (directory / "notes.txt").write_text("not ours")
    assert prepare(directory) == directory.resolve()
    assert os.environ[ENV] == str(directory.resolve())  # what the workers `serve` starts will inherit
    assert [p.name for p in directory.iterdir()] == ["notes.txt"]


def test_this_test_process_keeps_its_metrics_in_memory():
    """prometheus_client chose on import; the pytest process never set the variable, so no files."""
    assert active_dir() is None
