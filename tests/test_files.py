"""Atomic writes and locks (wsconform/core/files.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wsconform.core import files


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("old, whole")
    before = path.read_bytes()
    with pytest.raises(TypeError):
        files.write_json_atomically(path, {"not serializable": object()})
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]


def test_written_files_are_readable_by_all_and_leave_no_temporary(tmp_path):
    path = tmp_path / "sub" / "summary.md"
    files.write_text_atomically(path, "é\n")
    assert path.read_text(encoding="utf-8") == "é\n"
    assert os.stat(path).st_mode & 0o777 == 0o644
    assert sorted(p.name for p in path.parent.iterdir()) == ["summary.md"]


def test_json_is_written_whole_with_the_requested_layout(tmp_path):
    files.write_json_atomically(tmp_path / "a.json", {"b": "é", "a": [1]}, indent=None, sort_keys=True)
    assert (tmp_path / "a.json").read_text(encoding="utf-8") == '{"a": [1], "b": "é"}\n'
    files.write_json_atomically(tmp_path / "b.json", {"b": 1, "a": 2})
    assert (tmp_path / "b.json").read_text() == '{\n "b": 1,\n "a": 2\n}\n'


def test_a_write_that_fails_midway_leaves_no_temporary(tmp_path, monkeypatch):
    def broken(*arguments):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        files.write_text_atomically(tmp_path / "x.md", "text")
    assert list(tmp_path.iterdir()) == []


def test_temporaries_live_beside_the_target_and_are_named_after_it(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(source, target):
        seen.append(Path(source))
        real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", spy)
    target = tmp_path / "a" / "b" / "summary.md"
    files.write_text_atomically(target, "x")
    (temporary,) = seen
    assert temporary.parent == target.parent
    assert temporary.name.startswith(".summary.md.") and temporary.name.endswith(".tmp")


def test_lone_surrogates_survive_a_json_round_trip_losslessly(tmp_path):
    document = {"message": "bad byte \udcff here", "key\ud800": ["\udfff"], "fine": "é ← \U0001f600"}
    files.write_json_atomically(tmp_path / "r.json", document)
    raw = (tmp_path / "r.json").read_bytes()
    raw.decode("utf-8")  # valid UTF-8 on disk
    assert json.loads(raw) == document


def test_lone_surrogates_in_text_become_visible_escapes(tmp_path):
    files.write_text_atomically(tmp_path / "s.md", "a\udcffb")
    assert (tmp_path / "s.md").read_text(encoding="utf-8") == "a\\udcffb"


def test_a_lock_is_exclusive_across_processes_and_names_its_holder(tmp_path):
    lock = tmp_path / "locks" / "run.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from wsconform.core import files\n"
            "with files.exclusive(Path(sys.argv[1]), wait=False):\n"
            "    print('held', flush=True); time.sleep(30)\n",
            str(lock),
        ],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert files.is_locked(lock)
        with pytest.raises(files.LockedError, match=f"^pid {holder.pid}$"):
            with files.exclusive(lock, wait=False):
                pass
    finally:
        holder.kill()
        holder.wait()
    # The kernel released the dead holder's lock.
    assert not files.is_locked(lock)
