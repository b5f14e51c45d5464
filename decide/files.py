"""Files in and out as a Unix user expects: the one place that reads scenario files and
writes every exported file (CLI, library and charts).

Writing (`open_output`, `write_output`):

- ``"-"`` is standard output; a binary format refuses a terminal.
- a symlink is resolved and its target written (the link stays a link);
- special files (devices, FIFOs, ``/dev/stdout``, ``/dev/fd/N``) are written to directly,
  never replaced;
- regular files are written atomically: a temporary file in the same folder (named
  ``.<name>.decide-partial.<pid>.<token>``), flushed and fsynced, then renamed over the
  target. The file ends with the mode a plain ``open()`` would give (``0o666`` less the
  umask), or the existing file's mode (and owner, when allowed) when overwriting.
  Partial files left by killed runs are removed on the next write to that folder.

Reading (`read_input`): a size limit, and a folder or a device explained.

Every operating-system error becomes a `decide.errors.FileError`: one line naming the
path and the cause in words (`explain`).
"""

from __future__ import annotations

import contextlib
import errno as E
import os
import re
import secrets
import stat
import sys
import time
import warnings
from dataclasses import dataclass

from .errors import FileError

try:  # Unix: a live writer holds a lock on its partial file
    import fcntl
except ImportError:  # pragma: no cover - not Unix
    fcntl = None

__all__ = ["STDOUT", "PARTIAL_MARK", "open_output", "write_output", "check_output",
           "read_input", "explain", "remove_leftovers"]

#: The path that means standard output.
STDOUT = "-"
#: What marks a partial (temporary) file in its name: ``.<name>.decide-partial.<pid>.<token>``.
PARTIAL_MARK = ".decide-partial."
_PARTIAL = re.compile(r"^\..+\.decide-partial\.(?P<pid>\d+)\.[0-9a-f]{8}$")
#: A partial file this old is removed even if its process id is in use again (seconds).
_OLD = 24 * 3600
#: Paths that name one of this process's open file descriptors: written through that
#: descriptor (as a shell redirection would be), never reopened or replaced.
_FD_ALIAS = re.compile(r"^/(?:dev/(?:std(?P<std>out|err)|fd/(?P<fd>\d+))"
                       r"|proc/(?:self|thread-self|(?P<pid>\d+))/fd/(?P<pfd>\d+))$")
#: Errors of a write to the file itself (raised inside the caller's block).
_FILE_ERRNOS = {E.ENOSPC, E.EDQUOT, E.EFBIG, E.EIO, E.EROFS, E.EACCES, E.EPERM, E.ENXIO}


def explain(exc, *, writing=True):
    """The cause of an operating-system error in words, for one line of a message.

    Parameters
    ----------
    exc : OSError
    writing : bool
        Whether a file was being written (True) or read: the same error number can
        mean different things ("file not found" when reading).

    Returns
    -------
    str

    Examples
    --------
    >>> import errno
    >>> explain(OSError(errno.ENOSPC, "No space left on device"))
    'disk full (no space left on the device)'
    >>> explain(OSError(errno.ENOENT, "No such file or directory"), writing=False)
    'file not found'
    """
    code = getattr(exc, "errno", None)
    words = {
        E.ENOSPC: "disk full (no space left on the device)",
        E.EDQUOT: "disk quota exceeded",
        E.EFBIG: "file too large (over the file system's limit, or the file-size limit "
                 "of 'ulimit -f')",
        E.EROFS: "read-only file system",
        E.EACCES: "permission denied",
        E.EPERM: "permission denied (operation not permitted)",
        E.EISDIR: "is a folder",
        E.ENOTDIR: "a part of the path is not a folder",
        E.ELOOP: "too many levels of symbolic links (a symlink loop?)",
        E.ENAMETOOLONG: "file name too long",
        E.EIO: "input/output error (a failing disk or a lost network mount?)",
        E.ENXIO: "no such device (or a FIFO with no reader)",
        E.ETXTBSY: "the file is a running program",
        E.EBUSY: "the file is busy (a mount point?)",
        E.EMFILE: "too many open files",
        E.ENOENT: "no such file or folder" if writing else "file not found",
    }
    if code in words:
        return words[code]
    strerror = getattr(exc, "strerror", None)
    return strerror.lower() if strerror else (str(exc) or type(exc).__name__)


def _error(exc, path, *, writing=True, prefix=""):
    """A `FileError` for ``exc`` on ``path`` (as the user gave it)."""
    verb = "cannot write" if writing else "cannot read"
    return FileError(f"{verb}: {prefix}{explain(exc, writing=writing)}", path=path,
                     errno=getattr(exc, "errno", None))


def _isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _refuse_terminal(path):
    where = "standard output" if path == STDOUT else "it"
    return FileError(f"{where} is a terminal and this format is binary: redirect it "
                     "(> file) or give a file name", path=path)


def _read_only(folder):
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


@dataclass(frozen=True)
class _Plan:
    kind: str  # "stdout", "fd", "special" or "file"
    shown: str  # the path as given
    target: object = None  # the descriptor, or the path to write (symlinks resolved)
    existing: os.stat_result | None = None  # the file being replaced


def _plan(path, binary):
    """How ``path`` is written, or a `FileError` saying why it cannot be."""
    shown = os.fspath(path)
    if shown == STDOUT:
        if binary and _isatty(sys.stdout):
            raise _refuse_terminal(STDOUT)
        return _Plan("stdout", shown)
    if not shown:
        raise FileError("cannot write: the file name is empty", path="''")
    if shown.endswith("/"):  # "out/" names a folder, never a file called "out"
        raise FileError("names a folder: give a file name inside it", path=shown)
    alias = _FD_ALIAS.match(os.path.normpath(shown)) if shown.startswith("/") else None
    if alias and alias["pid"] in (None, str(os.getpid())):
        fd = {"out": 1, "err": 2}.get(alias["std"]) or int(alias["fd"] or alias["pfd"])
        return _Plan("fd", shown, fd)
    try:
        st = os.stat(shown)  # follows symlinks
    except FileNotFoundError:
        st = None  # a new file (or a dangling symlink: its target is created)
    except OSError as exc:
        raise _error(exc, shown) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise FileError("is a folder: give a file name inside it", path=shown)
    if st is not None and not stat.S_ISREG(st.st_mode):
        return _Plan("special", shown, shown)
    real = os.path.realpath(shown)
    folder = os.path.dirname(real)
    named = folder if os.path.islink(shown) else (os.path.dirname(shown) or ".")
    try:
        fst = os.stat(folder)
    except FileNotFoundError:
        raise FileError(f"cannot write: no such folder '{named}'", path=shown) from None
    except OSError as exc:
        raise _error(exc, shown) from None
    if not stat.S_ISDIR(fst.st_mode):
        raise FileError(f"cannot write: '{named}' is not a folder", path=shown)
    if not os.access(folder, os.W_OK | os.X_OK) or (
            st is not None and not os.access(real, os.W_OK)):
        if _read_only(folder):
            raise FileError("cannot write: read-only file system", path=shown, errno=E.EROFS)
        if st is not None and not os.access(real, os.W_OK):
            raise FileError("cannot write: permission denied (the file is not writable)",
                            path=shown, errno=E.EACCES)
        raise FileError(f"cannot write: permission denied (cannot create files in "
                        f"'{named}')", path=shown, errno=E.EACCES)
    return _Plan("file", shown, real, st)


def check_output(path, *, binary=False):
    """Check, before any work, that ``path`` can be written; say how it will be.

    Parameters
    ----------
    path : str or pathlib.Path
        ``"-"`` for standard output.
    binary : bool
        Whether the format is binary (XLSX, Parquet, PNG): refused on a terminal.

    Returns
    -------
    str
        ``"stdout"``, ``"stream"`` (a device, a FIFO or an open descriptor such as
        ``/dev/stdout``: written directly) or ``"file"`` (written atomically).

    Raises
    ------
    FileError
        One line naming the path and the cause: no such folder, is a folder,
        permission denied, read-only file system, ...

    Examples
    --------
    >>> check_output("-"), check_output("inputs/new.csv")
    ('stdout', 'file')
    >>> check_output("inputs")
    Traceback (most recent call last):
    ...
    decide.errors.FileError: inputs: is a folder: give a file name inside it
    """
    kind = _plan(path, binary).kind
    return {"fd": "stream", "special": "stream"}.get(kind, kind)


def _umask():
    """The process's umask, read without changing it where Linux says it (a thread-safe
    read: ``os.umask`` can only be read by setting it)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, another user's
        return True
    return True


def remove_leftovers(folder, notice=None):
    """Remove the partial files that killed runs left in ``folder``.

    A partial file is stale when no process holds its lock and its process is gone (or
    it is more than a day old). Stale files that cannot be removed are reported.

    Parameters
    ----------
    folder : str or pathlib.Path
    notice : callable, optional
        Called with one line of text for each file removed or left; by default a
        `warnings.warn`.

    Returns
    -------
    list of str
        The paths removed.

    Examples
    --------
    >>> remove_leftovers("inputs")
    []
    """
    say = notice or (lambda text: warnings.warn(text, stacklevel=3))
    removed = []
    try:
        entries = [e for e in os.scandir(folder) if PARTIAL_MARK in e.name]
    except OSError:
        return removed
    for entry in entries:
        match = _PARTIAL.match(entry.name)
        if not match or int(match["pid"]) == os.getpid():
            continue
        try:
            fd = os.open(entry.path, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as exc:  # another user's: reported once its run is surely over
            with contextlib.suppress(OSError):
                if not _alive(int(match["pid"])) and \
                        time.time() - entry.stat(follow_symlinks=False).st_mtime > 60:
                    say(f"{entry.path}: partial file left by an interrupted run; could "
                        f"not remove it: {explain(exc)}")
            continue
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                continue
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:  # a writer holds it: in use
                    continue
            if _alive(int(match["pid"])) and time.time() - st.st_mtime < _OLD:
                continue
            size = st.st_size
            try:
                os.unlink(entry.path)
            except OSError as exc:
                say(f"{entry.path}: partial file left by an interrupted run; could not "
                    f"remove it: {explain(exc)}")
                continue
            removed.append(entry.path)
            say(f"removed {entry.path}: partial file ({size:,} bytes) left by an "
                "interrupted run")
        finally:
            os.close(fd)
    return removed


def _create_partial(folder, name):
    """A new partial file next to the target, locked: (descriptor, path)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) \
        | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        tmp = os.path.join(folder, f".{name[:100]}{PARTIAL_MARK}{os.getpid()}."
                                   f"{secrets.token_hex(4)}")
        try:
            fd = os.open(tmp, flags, 0o600)
        except FileExistsError:
            continue
        if fcntl is not None:
            with contextlib.suppress(OSError):  # no locks on this file system: the pid
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd, tmp
    raise FileExistsError(E.EEXIST, "could not find a free temporary name", folder)


def _fsync_folder(folder):
    # the rename itself is durable only once the folder is synced
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _about_the_file(exc, names):
    """Whether an OSError raised inside the caller's block is about the file being
    written (disk full, ...), rather than about something else the block did."""
    return (isinstance(exc, OSError) and not isinstance(exc, FileError | BrokenPipeError)
            and exc.errno in _FILE_ERRNOS and exc.filename in (None, *names))


def _text_args(text):
    return {"encoding": "utf-8", "newline": ""} if text else {}


class _TextSink:
    """Bytes written to a text stream with no binary buffer (a replaced ``sys.stdout``)."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, data):
        return self.stream.write(bytes(data).decode("utf-8", errors="replace"))

    def flush(self):
        self.stream.flush()


@contextlib.contextmanager
def _stream(plan, text, binary):
    """Standard output, an open descriptor or a special file, written directly."""
    if plan.kind == "stdout":
        out = sys.stdout
        out.flush()
        fh = out if text else getattr(out, "buffer", None) or _TextSink(out)
        yield fh
        fh.flush()
        return
    if plan.kind == "fd":
        if plan.target in (1, 2):
            (sys.stdout if plan.target == 1 else sys.stderr).flush()
        try:
            fh = os.fdopen(os.dup(plan.target), "w" if text else "wb", **_text_args(text))
        except OSError as exc:
            raise _error(exc, plan.shown) from None
    else:
        try:
            fh = open(plan.target, "w" if text else "wb", **_text_args(text))
        except OSError as exc:
            raise _error(exc, plan.shown) from None
    with fh:
        if binary and _isatty(fh):
            raise _refuse_terminal(plan.shown)
        yield fh
        fh.flush()


@contextlib.contextmanager
def _atomic(plan, text, notice):
    """A regular file: a partial file in the same folder, renamed over the target."""
    real, existing = plan.target, plan.existing
    folder, name = os.path.split(real)
    remove_leftovers(folder, notice)
    try:
        fd, tmp = _create_partial(folder, name)
    except FileNotFoundError:  # the folder exists but takes no new files (/proc)
        raise FileError(f"cannot write: the folder '{folder}' does not accept new files",
                        path=plan.shown, errno=E.ENOENT) from None
    except OSError as exc:
        raise _error(exc, plan.shown, prefix=f"cannot create a file in '{folder}': ") \
            from None
    try:
        with os.fdopen(fd, "w" if text else "wb", **_text_args(text)) as fh:
            yield fh
            fh.flush()
            if existing is not None and (existing.st_uid, existing.st_gid) != \
                    (os.geteuid(), os.getegid()):
                with contextlib.suppress(OSError):  # as a plain open() keeps the owner
                    os.fchown(fd, existing.st_uid, existing.st_gid)
            os.fchmod(fd, stat.S_IMODE(existing.st_mode) & ~(stat.S_ISUID | stat.S_ISGID)
                      if existing is not None else 0o666 & ~_umask())
            os.fsync(fd)
        os.replace(tmp, real)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if _about_the_file(exc, (tmp, real)) or (
                isinstance(exc, OSError) and exc.filename in (tmp, real)):
            raise _error(exc, plan.shown) from None
        raise
    _fsync_folder(folder)


@contextlib.contextmanager
def open_output(path, mode="wb", *, binary=None, notice=None):
    """A file object to write ``path`` through, as a Unix user expects.

    ``"-"`` is standard output; a symlink's target is written; a device, a FIFO or an
    open descriptor (``/dev/stdout``) is written directly; a regular file is written
    atomically (a failed or interrupted run leaves the previous file, or none) and ends
    with the mode a plain ``open()`` would give, or the replaced file's mode.

    Parameters
    ----------
    path : str or pathlib.Path
    mode : {"wb", "w"}
        Binary, or UTF-8 text with newlines as written.
    binary : bool, optional
        Whether the content is binary (refused on a terminal); default: ``mode == "wb"``.
    notice : callable, optional
        Called with one line of text about partial files of killed runs removed from
        the folder (default: a warning).

    Yields
    ------
    file object

    Raises
    ------
    FileError
        Any operating-system error on the file, as one line naming the path and the
        cause (no such folder, is a folder, permission denied, disk full or file too
        large, read-only file system).

    Examples
    --------
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with open_output(os.path.join(folder, "a.csv"), "w") as fh:
    ...     _ = fh.write("x\\n1\\n")
    >>> os.listdir(folder)
    ['a.csv']
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    text = mode == "w"
    binary = not text if binary is None else binary
    plan = _plan(path, binary)
    opened = _atomic(plan, text, notice) if plan.kind == "file" \
        else _stream(plan, text, binary)
    try:
        with opened as fh:
            yield fh
    except OSError as exc:
        if plan.kind != "file" and _about_the_file(exc, (plan.shown,)):
            raise _error(exc, plan.shown) from None
        raise


def _binary_data(data):
    """Whether ``data`` is not UTF-8 text (XLSX, Parquet, PNG), judged by its first
    64 kB (a large CSV is not decoded whole just to ask)."""
    import codecs

    try:
        codecs.getincrementaldecoder("utf-8")().decode(bytes(data[:65536]), final=False)
    except UnicodeDecodeError:
        return True
    return False


def write_output(path, data, *, binary=None, notice=None):
    """Write ``data`` (bytes) to ``path`` as `open_output` does: all or nothing for a
    regular file.

    Parameters
    ----------
    path : str or pathlib.Path
        ``"-"`` for standard output.
    data : bytes
    binary : bool, optional
        Whether ``data`` is binary (refused on a terminal); default: when it is not
        UTF-8 text.
    notice : callable, optional
        As in `open_output`.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.json")
    >>> write_output(path, b"{}\\n")
    >>> open(path).read()
    '{}\\n'
    """
    binary = _binary_data(data) if binary is None else binary
    with open_output(path, "wb", binary=binary, notice=notice) as fh:
        fh.write(data)


def read_input(path, *, limit, what="scenario file"):
    """The bytes of an input file, at most ``limit`` of them.

    A pipe (``<(command)``) or a FIFO is read up to the limit; a folder, a device or a
    socket is refused with its kind named, and a larger file with its size.

    Parameters
    ----------
    path : str or pathlib.Path
    limit : int
        Most bytes accepted.
    what : str
        What the file is, for the messages ("scenario file").

    Returns
    -------
    bytes

    Raises
    ------
    FileError
        One line naming the path and the cause (file not found, is a folder, is a
        device, permission denied, larger than the limit, ...).

    Examples
    --------
    >>> len(read_input("inputs/baseline.toml", limit=1_000_000)) > 0
    True
    >>> read_input("inputs", limit=1_000_000)
    Traceback (most recent call last):
    ...
    decide.errors.FileError: inputs: is a folder, not a scenario file
    """
    shown = os.fspath(path)
    limits = f"{what}s are limited to {limit:,} bytes ({limit / 1e6:g} MB)"
    try:
        st = os.stat(shown)
    except OSError as exc:
        raise FileError(explain(exc, writing=False), path=shown, errno=exc.errno) from None
    kind = ("folder" if stat.S_ISDIR(st.st_mode)
            else "device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "socket" if stat.S_ISSOCK(st.st_mode) else None)
    if kind:
        article = "an" if what[:1] in "aeiou" else "a"
        raise FileError(f"is a {kind}, not {article} {what}", path=shown)
    if st.st_size > limit:
        raise FileError(f"file is {st.st_size:,} bytes; {limits}", path=shown)
    try:
        with open(shown, "rb") as fh:
            data = fh.read(limit + 1)  # a pipe or a growing file: stop past the limit
    except OSError as exc:
        raise FileError(explain(exc, writing=False), path=shown, errno=exc.errno) from None
    if len(data) > limit:
        raise FileError(f"more than {limit:,} bytes; {limits}", path=shown)
    return data
