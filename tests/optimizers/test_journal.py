"""The journal: JSON lines, durable appends, a torn last line skipped and cut off."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arsim.optimizers.journal import Journal, JournalError


def test_round_trip_with_nan_as_null(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.append({"kind": "a", "x": 1.5})
    journal.append({"kind": "b", "x": math.nan, "y": [math.inf, 2]})
    assert journal.read() == [{"kind": "a", "x": 1.5}, {"kind": "b", "x": None, "y": [None, 2]}]
    assert (tmp_path / "j.jsonl").read_text().count("\n") == 2


@pytest.mark.parametrize("tail", ['{"kind": "c", "x"', '{"kind": "c"}'])
def test_torn_last_line_is_skipped_and_repaired(tmp_path: Path, tail: str) -> None:
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    journal.append({"kind": "a"})
    with path.open("a") as f:
        f.write(tail)  # the process died before the newline
    assert journal.read() == [{"kind": "a"}]
    assert journal.repair() == [{"kind": "a"}]
    journal.append({"kind": "b"})
    assert journal.read() == [{"kind": "a"}, {"kind": "b"}]
    assert path.read_text() == '{"kind": "a"}\n{"kind": "b"}\n'


def test_damaged_middle_line_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text('{"kind": "a"}\nnot json\n{"kind": "b"}\n')
    with pytest.raises(JournalError, match=r"j\.jsonl:2: damaged"):
        Journal(path).read()


def test_missing_journal_reads_empty(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "none.jsonl")
    assert journal.read() == [] and not journal.exists()


@settings(max_examples=40, deadline=None)
@given(records=st.lists(st.dictionaries(st.sampled_from(["a", "b", "kind"]),
                                        st.one_of(st.integers(), st.text(max_size=5),
                                                  st.floats(allow_nan=False,
                                                            allow_infinity=False)),
                                        max_size=3), min_size=1, max_size=6),
       cut=st.integers(min_value=1))
def test_a_crash_anywhere_loses_at_most_the_record_being_written(
        records: list[dict[str, object]], cut: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "j.jsonl"
        journal = Journal(path)
        for record in records:
            journal.append(record)
        data = path.read_bytes()
        keep = cut % len(data)
        path.write_bytes(data[:keep])  # the file as a crash at byte `keep` would leave it
        whole = data[:keep].count(b"\n")  # records whose newline made it to disk
        assert journal.repair() == records[:whole]
        journal.append({"kind": "after"})
        assert journal.read() == [*records[:whole], {"kind": "after"}]
