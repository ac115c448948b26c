"""Ctrl-C ends any run within two seconds (issue 16): one line, exit code 130, no
traceback, no worker process left, no half-written file.

A terminal's Ctrl-C goes to the whole foreground process group, workers included, so each
run here is a process group of its own (a new session) and gets SIGINT three times, 50 ms
apart, as an impatient user gives it: while loading, while simulating (in one process and
on a pool of workers) and while writing the files.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

#: Lines the run may print before the interrupt, none of them an error.
INFORMATION = ("writing ledger.csv", "compiling the engines", "arsim: warning:", "arsim: note:")
LIMIT_S = 2.0


def _session(sid: int) -> list[int]:
    """Live processes of a session (zombies excluded: they are gone, only unreaped)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _interrupt(args: list[str], out: Path, ready: Callable[[int], bool], wait_s: float = 120
               ) -> tuple[int, float, str]:
    """Start arsim, wait until `ready(pid)`, press Ctrl-C three times; return (exit code,
    seconds from the first Ctrl-C to the exit, stderr)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "arsim", *args, "--out", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + wait_s
    while not ready(process.pid) and process.poll() is None:
        assert time.monotonic() < deadline, "the moment to interrupt never came"
        time.sleep(0.02)
    assert process.poll() is None, "the run ended before it could be interrupted"
    pressed = time.monotonic()
    for _ in range(3):
        try:
            os.killpg(process.pid, signal.SIGINT)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    try:
        code = process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("the run hung after Ctrl-C")
    took = time.monotonic() - pressed
    assert process.stderr is not None
    stderr = process.stderr.read().decode()
    for _ in range(50):  # a worker killed with its parent is reaped by init, not at once
        if not _session(process.pid):
            break
        time.sleep(0.02)
    assert _session(process.pid) == [], "a worker process outlived the run"
    return code, took, stderr


def _check(code: int, took: float, stderr: str, out: Path) -> None:
    assert code == 130, stderr
    assert took < LIMIT_S, f"{took:.2f} s after Ctrl-C"
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if not line.startswith(INFORMATION)]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("arsim: interrupted"), stderr
    if out.exists():
        left = {p.name for p in out.iterdir()}
        assert not any(name.endswith(".tmp") for name in left), left
        assert left in (set(), {"result.json", "replications.csv", "daily.csv", "aging.csv",
                                "ledger.csv"}), left


def _after(seconds: float) -> Callable[[int], bool]:
    start = time.monotonic()
    return lambda pid: time.monotonic() - start > seconds


def _loading_numpy(pid: int) -> bool:
    """True once the process has mapped NumPy's compiled core: it is loading the command line,
    so arsim's own Ctrl-C handler is in place (arsim/console.py sets it first). A fixed delay
    instead may fall, on a loaded machine, before Python has even imported arsim."""
    try:
        return "_multiarray_umath" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def _workers_running(count: int) -> Callable[[int], bool]:
    """True once the run's worker processes exist, and half a second more."""
    seen: list[float] = []

    def ready(pid: int) -> bool:
        if not seen and len(_session(pid)) > count:
            seen.append(time.monotonic())
        return bool(seen) and time.monotonic() - seen[0] > 0.5
    return ready


def _writing(out: Path) -> Callable[[int], bool]:
    return lambda pid: out.exists() and any(p.name.startswith(".ledger.csv.")
                                            for p in out.iterdir())


def test_interrupted_while_loading(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _check(*_interrupt(["run", "default", "-n", "20"], out, _loading_numpy), out)


def test_interrupted_while_simulating_on_a_pool(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _interrupt(["run", "default", "-n", "20", "--jobs", "2", "--ledger"], out,
                        _workers_running(2))
    _check(*result, out)


def test_interrupted_while_simulating_in_one_process(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _check(*_interrupt(["run", "default", "-n", "20", "--jobs", "1"], out, _after(5.0)), out)


def test_interrupted_while_writing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _interrupt(["run", "default", "-n", "4", "--jobs", "2", "--ledger"], out,
                        _writing(out))
    _check(*result, out)
    assert not out.exists() or not any(out.iterdir())


def test_an_interrupt_wrapped_by_numba_is_still_an_interrupt() -> None:
    # Ctrl-C while numba unpickles a cached function arrives as SystemErrors around it
    from arsim.cli import _caused_by_interrupt

    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as inner:
            raise SystemError("returned a result with an exception set") from inner
    except SystemError as outer:
        assert _caused_by_interrupt(outer)
    assert not _caused_by_interrupt(SystemError("something else"))


def test_a_ctrl_c_inside_a_callback_is_raised_again_not_printed() -> None:
    # numba's compiler calls back from C on a first run; a Ctrl-C there is "unraisable":
    # Python would print it with a traceback and carry on compiling
    from types import SimpleNamespace

    from arsim.cli import _quiet_interrupts

    seen: list[object] = []
    hook = _quiet_interrupts(seen.append)
    assert _quiet_interrupts(hook) is hook  # installed once, however often main() runs
    other = SimpleNamespace(exc_value=ValueError("x"))
    hook(other)
    assert seen == [other]  # anything else still goes to the original hook
    with pytest.raises(KeyboardInterrupt):
        hook(SimpleNamespace(exc_value=KeyboardInterrupt()))
    assert seen == [other]
