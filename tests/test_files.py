"""Files in and out under faults (issue 17): permissions, paths, streams, symlinks, FIFOs,
a full disk, SIGKILL and Ctrl-C mid-write, endless or oversized scenarios, a Dask worker
killed mid-run, and bounded memory on every executor.

No test points at a real device node: a FIFO made in tmp_path stands in for a special
file, RLIMIT_FSIZE (set in the child before exec) for a full disk, ``/proc/self/fd/N``
(where nothing can be created) for ``/dev/stdout``. Tests may run as root, where
permissions do not stop anything: "unwritable" is then simulated.
"""

import errno
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import decide
from decide import files
from decide.analyses import executors
from decide.cli import main
from decide.errors import FileError

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "inputs" / "baseline.toml")
ROOT_USER = os.geteuid() == 0
PARTIAL = re.compile(r"^\..+\.decide-partial\.\d+\.[0-9a-f]{8}$")


def _cli(*argv, preexec_fn=None, **kw):
    """The CLI in a child process (for signals and limits): CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "decide.cli", *argv], capture_output=True,
                          text=True, cwd=ROOT, preexec_fn=preexec_fn, timeout=300, **kw)


def _one_error_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("decide: error: "), err
    assert "Traceback" not in err and "internal error" not in err
    return lines[0]


def _partials(folder):
    return [p.name for p in Path(folder).iterdir() if PARTIAL.match(p.name)]


# -- permissions ---------------------------------------------------------------------


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664),
                                        (0o077, 0o600)])
def test_new_file_gets_the_mode_open_would_give(tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        files.write_output(tmp_path / "a.csv", b"x\n")
        with open(tmp_path / "plain.csv", "w") as fh:  # what a plain open() gives
            fh.write("x\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "a.csv").st_mode) == mode
    assert os.stat(tmp_path / "plain.csv").st_mode == os.stat(tmp_path / "a.csv").st_mode


def test_cli_export_is_readable_by_the_team(tmp_path):
    out = tmp_path / "alloc.csv"
    proc = _cli("solve", BASELINE, "--out", str(out), "--draws", "0",
                preexec_fn=lambda: os.umask(0o002))
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o664  # was -rw------- whatever the umask


def test_overwrite_keeps_the_existing_mode(tmp_path):
    out = tmp_path / "a.json"
    out.write_text("old")
    out.chmod(0o640)
    files.write_output(out, b"{}\n")
    assert out.read_text() == "{}\n" and stat.S_IMODE(out.stat().st_mode) == 0o640


@pytest.mark.skipif(not ROOT_USER, reason="changing a file's owner needs root")
def test_overwrite_keeps_the_existing_owner(tmp_path):
    out = tmp_path / "shared.csv"
    out.write_text("old")
    os.chown(out, 12345, 12345)
    files.write_output(out, b"new\n")
    st = out.stat()
    assert (st.st_uid, st.st_gid) == (12345, 12345) and out.read_text() == "new\n"


# -- output paths --------------------------------------------------------------------


def test_missing_folder(tmp_path, capsys):
    out = tmp_path / "missing-folder" / "x.csv"
    assert main(["solve", BASELINE, "--out", str(out), "--draws", "0"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert str(out) in line and "no such folder" in line
    assert list(tmp_path.iterdir()) == []


def test_folder_as_output(tmp_path, capsys):
    for argv in (["solve", BASELINE, "--draws", "0"], ["tornado", BASELINE, "--quiet"],
                 ["monte-carlo", BASELINE, "--n", "10"], ["frontier", BASELINE, "--plot"]):
        for out, words in ((str(tmp_path), "is a folder"), (f"{tmp_path}/", "names a folder")):
            option = [] if argv[-1] == "--plot" else ["--out"]
            assert main([*argv, *option, out]) == 2
            line = _one_error_line(capsys.readouterr().err)
            assert f"{out}: {words}: give a file name inside it" in line
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_takes_no_files(capsys):
    # /proc exists but nothing can be created in it (not a device; nothing is touched)
    assert main(["solve", BASELINE, "--out", "/proc/decide-test.csv", "--draws", "0"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "/proc/decide-test.csv" in line
    assert "does not accept new files" in line or "permission denied" in line


@pytest.mark.skipif(ROOT_USER, reason="root writes anywhere: see the simulated test")
def test_unwritable_folder(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert main(["solve", BASELINE, "--out", str(folder / "x.csv"), "--draws", "0"]) == 2
    finally:
        folder.chmod(0o700)
    assert "permission denied" in _one_error_line(capsys.readouterr().err)
    assert list(folder.iterdir()) == []


def test_unwritable_folder_simulated(tmp_path, capsys, monkeypatch):
    """Root bypasses permissions; the two places that meet them are simulated: the
    early check (access) and the creation of the partial file (EACCES)."""
    real_access, real_open = os.access, os.open
    folder = os.path.realpath(tmp_path)
    monkeypatch.setattr(os, "access", lambda p, m, *a, **k: False if str(p) == folder
                        else real_access(p, m, *a, **k))
    assert main(["solve", BASELINE, "--out", str(tmp_path / "x.csv"), "--draws", "0"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "permission denied (cannot create files in" in line
    monkeypatch.setattr(os, "access", real_access)

    def denied(path, flags, *a, **k):
        if files.PARTIAL_MARK in str(path):
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_open(path, flags, *a, **k)
    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(FileError, match=r"x\.csv: cannot write: cannot create a file in "
                                        r".*: permission denied"):
        files.write_output(tmp_path / "x.csv", b"x")
    assert list(tmp_path.iterdir()) == []


def test_read_only_file_system_simulated(tmp_path, monkeypatch):
    real_open = os.open

    def read_only(path, flags, *a, **k):
        if files.PARTIAL_MARK in str(path):
            raise OSError(errno.EROFS, "Read-only file system", path)
        return real_open(path, flags, *a, **k)
    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(FileError, match="read-only file system"):
        files.write_output(tmp_path / "x.csv", b"x")


@pytest.mark.skipif(ROOT_USER, reason="root may write a read-only file")
def test_read_only_file_is_not_replaced(tmp_path):
    out = tmp_path / "keep.csv"
    out.write_text("keep")
    out.chmod(0o444)
    with pytest.raises(FileError, match="permission denied"):
        files.write_output(out, b"new")
    assert out.read_text() == "keep"


def test_no_ending_says_so(tmp_path, capsys):
    assert main(["solve", BASELINE, "--out", str(tmp_path / "results"), "--draws", "0"]) == 2
    assert "no file ending" in _one_error_line(capsys.readouterr().err)


# -- conventions: -, symlinks, special files -----------------------------------------


def test_dash_is_standard_output(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["solve", BASELINE, "--format", "csv", "--out", "-", "--draws", "0"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("lever,label,spend") and "wrote" not in err
    assert main(["tornado", BASELINE, "--out", "-", "--quiet"]) == 0
    assert capsys.readouterr().out.startswith("parameter,side,value")
    assert main(["monte-carlo", BASELINE, "--n", "50", "--seed", "2", "--out", "-",
                 "--quiet"]) == 0
    out, err = capsys.readouterr()
    rows = out.splitlines()
    assert rows[0].startswith("draw,") and len(rows) == 51
    assert "50 draws, seed 2" in err  # the summary moves to stderr
    assert list(tmp_path.iterdir()) == []  # no file named "-"


def test_dash_twice_is_refused(capsys):
    assert main(["frontier", BASELINE, "--out", "-", "--plot", "-"]) == 2
    assert "cannot both write to standard output" in _one_error_line(capsys.readouterr().err)


def test_binary_format_refuses_a_terminal(tmp_path):
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "decide.cli", "solve", BASELINE,
                               "--format", "xlsx", "--out", "-", "--draws", "0"],
                              stdout=slave, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                              timeout=300)
    finally:
        os.close(slave)
        os.close(master)
    assert proc.returncode == 2
    assert "terminal" in _one_error_line(proc.stderr)
    # not a terminal: the workbook goes through
    piped = subprocess.run([sys.executable, "-m", "decide.cli", "solve", BASELINE,
                            "--format", "xlsx", "--out", "-", "--draws", "0"],
                           capture_output=True, cwd=ROOT, timeout=300)
    assert piped.returncode == 0 and piped.stdout[:2] == b"PK"  # a zip: the workbook


def test_symlink_target_is_written_and_the_link_kept(tmp_path):
    dated = tmp_path / "alloc-2026-12-02.csv"
    dated.write_text("old")
    dated.chmod(0o640)
    latest = tmp_path / "latest.csv"
    latest.symlink_to(dated.name)
    assert main(["solve", BASELINE, "--out", str(latest), "--draws", "0"]) == 0
    assert latest.is_symlink() and os.readlink(latest) == dated.name
    assert dated.read_text().startswith("lever,") and stat.S_IMODE(dated.stat().st_mode) \
        == 0o640
    # a dangling link: its target is created, as open() would
    new = tmp_path / "next.csv"
    (tmp_path / "link.csv").symlink_to(new.name)
    files.write_output(tmp_path / "link.csv", b"x\n")
    assert (tmp_path / "link.csv").is_symlink() and new.read_text() == "x\n"


def _reader(fifo, got):
    with open(fifo, "rb") as fh:
        got.append(fh.read())


def test_fifo_is_written_not_replaced(tmp_path, capsys):
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=_reader, args=(fifo, got))
    reader.start()
    assert main(["solve", BASELINE, "--out", str(fifo), "--draws", "0"]) == 0
    reader.join(30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert got and got[0].startswith(b"lever,label,spend")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_fifo_without_ending_gets_the_text_format(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=_reader, args=(fifo, got))
    reader.start()
    assert main(["tornado", BASELINE, "--out", str(fifo), "--quiet"]) == 0
    reader.join(30)
    assert got[0].startswith(b"parameter,side,value")


def test_open_descriptor_is_written_through(tmp_path):
    """``/proc/self/fd/N`` (as ``/dev/stdout`` is): written at the descriptor, as a
    shell redirection would be, never replaced (nothing can be created in /proc)."""
    log = tmp_path / "log.txt"
    with open(log, "w") as fh:
        fh.write("before\n")
        fh.flush()
        fd = fh.fileno()
        proc = subprocess.run([sys.executable, "-m", "decide.cli", "schema", "--out",
                               f"/proc/self/fd/{fd}"], pass_fds=(fd,), capture_output=True,
                              text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    text = log.read_text()
    assert text.startswith("before\n{") and '"$schema"' in text  # appended, not truncated


def test_broken_pipe_is_quiet():
    proc = subprocess.Popen([sys.executable, "-m", "decide.cli", "monte-carlo", BASELINE,
                             "--n", "20000", "--seed", "1", "--out", "-", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    proc.stdout.readline()
    proc.stdout.close()  # the reader goes away, as `| head -1` does
    err = proc.stderr.read().decode()
    assert proc.wait(300) == 141
    assert "Traceback" not in err and "error" not in err


# -- input paths ---------------------------------------------------------------------


def test_folder_as_scenario(tmp_path, capsys):
    assert main(["solve", str(tmp_path)]) == 2
    assert "is a folder, not a scenario file" in _one_error_line(capsys.readouterr().err)
    with pytest.raises(decide.ScenarioError, match="is a folder, not an expert file"):
        from decide.analyses.elicitation import load_expert

        load_expert(tmp_path)


def test_device_as_scenario_simulated(tmp_path, monkeypatch, capsys):
    fake = tmp_path / "zero"
    fake.write_text("")
    real_stat = os.stat

    def as_device(path, *a, **k):
        st = real_stat(path, *a, **k)
        if str(path) == str(fake):
            return os.stat_result((stat.S_IFCHR | 0o666, *st[1:]))
        return st
    monkeypatch.setattr(os, "stat", as_device)
    assert main(["solve", str(fake)]) == 2
    assert "is a device, not a scenario file" in _one_error_line(capsys.readouterr().err)


def _endless(fifo, stop):
    try:
        with open(fifo, "wb") as fh:
            while not stop.is_set():
                fh.write(b"# " + b"x" * 65_533 + b"\n")
    except BrokenPipeError:  # the reader stopped reading: what the test wants
        pass


def test_endless_scenario_stops_at_the_limit(tmp_path, capsys):
    fifo = tmp_path / "endless.toml"
    os.mkfifo(fifo)
    stop = threading.Event()
    writer = threading.Thread(target=_endless, args=(fifo, stop), daemon=True)
    writer.start()
    t = time.perf_counter()
    try:
        assert main(["solve", str(fifo)]) == 2
    finally:
        stop.set()
    assert time.perf_counter() - t < 30
    line = _one_error_line(capsys.readouterr().err)
    assert "more than 1,000,000 bytes" in line and "(1 MB)" in line
    writer.join(10)


def test_scenario_through_a_pipe_is_read(tmp_path):
    """Process substitution (``decide solve <(cat baseline.toml)``) gives a pipe."""
    fifo = tmp_path / "sc.toml"
    os.mkfifo(fifo)
    data = Path(BASELINE).read_bytes()

    def feed():
        with open(fifo, "wb") as fh:
            fh.write(data)
    threading.Thread(target=feed, daemon=True).start()
    assert decide.load_scenario(fifo).lever_names == \
        decide.load_scenario(BASELINE).lever_names


def test_oversized_scenario(tmp_path, capsys):
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * 1_000_001)
    assert main(["solve", str(big)]) == 2
    assert "1,000,001 bytes; scenario files are limited to 1,000,000 bytes (1 MB)" in \
        _one_error_line(capsys.readouterr().err)


# -- full disk, SIGKILL, Ctrl-C --------------------------------------------------------


def _fsize_limit(nbytes):
    def limit():
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return limit


@pytest.mark.parametrize("name", ["draws.csv", "draws.parquet"])
def test_full_disk_leaves_the_previous_file_and_no_partial(tmp_path, name):
    out = tmp_path / name
    out.write_text("previous")
    proc = _cli("monte-carlo", BASELINE, "--n", "20000", "--seed", "1", "--out", str(out),
                "--quiet", preexec_fn=_fsize_limit(256 * 1024))
    assert proc.returncode == 2, proc.stderr
    line = _one_error_line(proc.stderr)
    assert str(out) in line and "file too large" in line
    assert out.read_text() == "previous" and _partials(tmp_path) == []


def test_full_disk_on_a_new_file(tmp_path):
    out = tmp_path / "alloc.json"
    proc = _cli("solve", BASELINE, "--solver", "highs", "--draws", "0", "--out", str(out),
                preexec_fn=_fsize_limit(4096))
    assert proc.returncode == 2 and "file too large" in _one_error_line(proc.stderr)
    assert list(tmp_path.iterdir()) == []


def _start_and_wait_for_partial(tmp_path, out, **kw):
    proc = subprocess.Popen([sys.executable, "-m", "decide.cli", "monte-carlo", BASELINE,
                             "--n", "400000", "--chunk", "5000", "--seed", "1", "--out",
                             str(out), "--quiet"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT, **kw)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        found = [p for p in tmp_path.iterdir() if PARTIAL.match(p.name)]
        if found and found[0].stat().st_size > 0:
            return proc, found[0]
        time.sleep(0.05)
    proc.kill()
    pytest.fail("the run never started writing")


def test_sigkill_mid_overwrite_keeps_the_previous_file_and_the_next_write_cleans_up(
        tmp_path, capsys):
    out = tmp_path / "draws.csv"
    out.write_text("previous")
    proc, partial = _start_and_wait_for_partial(tmp_path, out)
    proc.kill()
    proc.wait(30)
    proc.stderr.close()
    assert out.read_text() == "previous"
    assert partial.exists()  # nothing can clean up after SIGKILL ...
    assert main(["solve", BASELINE, "--out", str(tmp_path / "other.csv"), "--draws",
                 "0"]) == 0
    assert not partial.exists()  # ... but the next write to the folder does
    err = capsys.readouterr().err
    assert f"{partial.name}: partial file" in err and "left by an interrupted run" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["draws.csv", "other.csv"]


@pytest.mark.parametrize("name", ["draws.csv", "draws.parquet"])
def test_ctrl_c_exits_130_with_one_line_and_nothing_left(tmp_path, name):
    out = tmp_path / name
    proc, _ = _start_and_wait_for_partial(
        tmp_path, out, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=120)[1]
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1] == "decide: interrupted"
    assert "Traceback" not in err and "Exception ignored" not in err
    assert list(tmp_path.iterdir()) == []


def test_live_partial_files_are_left_alone(tmp_path):
    import fcntl

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".a.csv.decide-partial.{dead_pid}.0123abcd"
    live = tmp_path / f".b.csv.decide-partial.{os.getppid()}.0123abcd"  # a live process
    held = tmp_path / f".c.csv.decide-partial.{dead_pid}.4567abcd"  # locked by a writer
    other = tmp_path / ".d.csv.not-ours.1"
    for p in (stale, live, held, other):
        p.write_bytes(b"x")
    with open(held, "rb+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        notes = []
        assert files.remove_leftovers(tmp_path, notes.append) == [str(stale)]
    assert len(notes) == 1 and str(stale) in notes[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (live, held, other))


# -- explanations --------------------------------------------------------------------


@pytest.mark.parametrize("code, words", [
    (errno.ENOSPC, "disk full"), (errno.EDQUOT, "quota"), (errno.EFBIG, "file too large"),
    (errno.EROFS, "read-only file system"), (errno.EACCES, "permission denied"),
    (errno.EISDIR, "is a folder"), (errno.ENOTDIR, "not a folder"),
    (errno.ELOOP, "symbolic links"), (errno.EIO, "input/output error")])
def test_every_error_is_explained_in_words(code, words):
    assert words in files.explain(OSError(code, os.strerror(code)))


def test_disk_full_on_a_device_like_stream(tmp_path, monkeypatch):
    """A write that fails on a special file (as on /dev/full) is explained, not
    replaced: simulated on a FIFO whose writes fail with ENOSPC."""
    fifo = tmp_path / "full"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=_reader, args=(fifo, got))
    reader.start()
    with pytest.raises(FileError, match=r"full: cannot write: disk full"):
        with files.open_output(fifo, "wb") as fh:
            fh.write(b"x")
            raise OSError(errno.ENOSPC, "No space left on device")
    reader.join(30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_other_errors_inside_the_block_are_not_blamed_on_the_file(tmp_path):
    with pytest.raises(ConnectionRefusedError):
        with files.open_output(tmp_path / "x.csv", "w"):
            raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    assert list(tmp_path.iterdir()) == []


# -- executors: bounded memory, a worker killed ----------------------------------------


class _Future:
    def __init__(self, pool, value):
        self.pool, self.value = pool, value
        pool.live += 1
        pool.peak = max(pool.peak, pool.live)

    def result(self):
        return self.value

    def release(self):
        self.pool.live -= 1

    def cancel(self):
        self.pool.live -= 1
        self.pool.cancelled += 1


class _Client:
    """A stand-in Dask client: counts futures submitted and not yet released."""

    def __init__(self, threads=2):
        self.threads, self.live, self.peak, self.cancelled = threads, 0, 0, 0

    def nthreads(self):
        return {f"w{i}": 1 for i in range(self.threads)}

    def submit(self, fn, *args, pure=True):
        return _Future(self, fn(*args))


def test_window_of_tasks_in_flight_is_bounded():
    client = _Client(threads=2)
    taken = []

    def tasks():
        for i in range(1000):
            taken.append(i)
            yield (i, 3)
    out = executors.run_tasks(divmod, tasks(), client)
    first = next(out)
    assert first == (0, 0) and len(taken) <= 5  # lazily: the window and one refill
    results = [first, *out]
    assert results == [divmod(i, 3) for i in range(1000)]
    assert client.peak <= 4 and client.live == 0  # twice the workers, all released


def test_stopping_early_cancels_what_is_in_flight():
    client = _Client(threads=3)
    out = executors.run_tasks(divmod, ((i, 2) for i in range(100)), client)
    assert next(out) == (0, 0)
    out.close()
    assert client.cancelled > 0 and client.live == 0


def test_dask_worker_killed_mid_run_gives_the_identical_result(baseline):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        pids = sorted(client.run(os.getpid).values())
        frames = []
        for k, frame in enumerate(decide.monte_carlo_chunks(
                baseline, n=30_000, seed=3, chunk=2000, executor=client)):
            frames.append(frame)
            if k == 1:
                os.kill(pids[0], signal.SIGKILL)  # its nanny restarts it
    remote = pd.concat(frames, ignore_index=True)
    local = decide.monte_carlo(baseline, n=30_000, seed=3, chunk=2000)
    remote.attrs, local.attrs = {}, {}
    pd.testing.assert_frame_equal(local, remote)
