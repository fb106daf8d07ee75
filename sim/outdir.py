"""Report folders (--out): what one holds is always one consistent set, the files of one run.

A command writes its new set into a folder of its own beside the old one, DIR/.sim-set-<id>/,
and publishes it in one step when it is complete: DIR/.sim-current is a symbolic link to the
current set, replaced with rename(2), and each entry of a set (results.json, summary.md,
faults.md, logs/, fuzz.json, ...) is reached through a fixed link DIR/<entry> ->
.sim-current/<entry>. Whenever the process dies, a reader sees the old set or the new one,
never a mix; paths inside a set (the `log` paths in results.json, relative to DIR) stay valid,
and a set's folder never moves, so the absolute paths in its command.sh files stay valid too.
Files of DIR that no set has (reports/baseline.json, reports/README.md) are never touched.

DIR/.sim-lock, held with flock for the whole command, keeps a second run out of DIR; the lock
dies with its process, and the next command to take it deletes what a dead one left: sets
that are not current, half-made links.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import stat
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from sim.errors import SetupError
from sim.interrupt import signal_received

SET_PREFIX = ".sim-set-"
CURRENT = ".sim-current"
LOCK_FILE = ".sim-lock"
PARTIAL_SUFFIX = ".sim-partial"   # a link or folder name on its way in or out


def fsync_folder(folder: Path) -> None:
    """Make the folder's entries (a rename, a new file) durable."""
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def write_atomically(path: Path, content: str | bytes) -> None:
    """Replace path with content (text as UTF-8) in one step: a temporary file in the same
    folder, flushed to disk, then renamed over path. A reader sees the old file or the new one,
    whole; when the write fails (a full disk), the old file is left as it was."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}{PARTIAL_SUFFIX}")
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as error:   # name the file being written, not the temporary one
        temp.unlink(missing_ok=True)
        raise OSError(error.errno, error.strerror, str(path)) from error
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


@contextmanager
def naming_errors(path: Path) -> Iterator[None]:
    """An OSError in the block that names no file (a file object's write, on a full disk)
    names path instead, so the message can say where."""
    try:
        yield
    except OSError as error:
        if error.filename is not None:
            raise
        raise OSError(error.errno, error.strerror, str(path)) from error


def _first_file_on_the_way(path: Path) -> Path | None:
    """The first existing ancestor of path (or path itself) that is not a folder."""
    for part in [*reversed(path.parents), path]:
        try:
            if not stat.S_ISDIR(part.stat().st_mode):
                return part
        except OSError:   # not there (yet), or not ours to look at: mkdir will say
            return None
    return None


def writable_folder(path: Path, option: str) -> Path:
    """path as an absolute folder that exists and can be written, made if need be; else a
    SetupError naming the option, the path and the cause."""
    folder = path.absolute()
    blocker = _first_file_on_the_way(folder)
    if blocker == folder:
        raise SetupError(f"{option} {path}: is a file, not a folder")
    if blocker is not None:
        raise SetupError(f"{option} {path}: {blocker} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SetupError(f"{option} {path}: cannot create the folder: {error.strerror}") from None
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise SetupError(f"{option} {path}: cannot write in it: {error.strerror}") from None
    return folder


class ReportFolder:
    """One command's use of a report folder: open() locks it, clears a dead run's leftovers and
    returns a fresh folder for the new set; publish() swaps the set in; close() unlocks and,
    if the set was never published, deletes it. Use as a context manager around open()."""

    def __init__(self, path: Path, option: str = "--out") -> None:
        self.path = path
        self.option = option
        self.folder = path.absolute()
        self.staging: Path | None = None
        self._lock: IO[str] | None = None

    def __enter__(self) -> "ReportFolder":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def open(self) -> Path:
        self.folder = writable_folder(self.path, self.option)
        self._take_lock()
        self._remove_leftovers()
        staging = self.folder / f"{SET_PREFIX}{os.getpid()}-{time.time_ns()}"
        try:
            staging.mkdir()
        except OSError as error:
            raise SetupError(f"{self.option} {self.path}: cannot make {staging.name} in it: "
                             f"{error.strerror}") from None
        self.staging = staging
        return staging

    def _take_lock(self) -> None:
        try:
            handle = open(self.folder / LOCK_FILE, "a+", encoding="utf-8")
        except OSError as error:
            raise SetupError(f"{self.option} {self.path}: cannot write in it: "
                             f"{error.strerror}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise SetupError(f"{self.option} {self.path}: another run (pid {holder}) is writing "
                             f"its reports there; wait for it to end or choose another "
                             f"{self.option}") from None
        self._lock = handle
        try:  # who holds it, for the message above; the lock works without
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
        except OSError:
            pass

    def _current_set(self) -> str | None:
        return _link_target(self.folder / CURRENT)

    def _remove_leftovers(self) -> None:
        """What a command that died left behind: sets that are not current (one not yet
        published, or an old one not yet deleted) and half-made links."""
        current = self._current_set()
        for entry in self.folder.iterdir():
            if entry.name.startswith(SET_PREFIX) and entry.name != current:
                _remove(entry)
            elif entry.name.endswith(PARTIAL_SUFFIX):
                _remove(entry)

    def publish(self, remove_replaced: bool = True) -> None:
        """Make the staged set the current one in one rename, link its entries, and delete the
        set it replaced, unless told not to (a stopping run: deleting thousands of log files
        can take seconds, and the next run deletes it anyway)."""
        assert self.staging is not None and self._lock is not None, "open() first"
        staging = self.staging
        fsync_folder(staging)
        link = self.folder / f"{CURRENT}.{os.getpid()}{PARTIAL_SUFFIX}"
        link.unlink(missing_ok=True)
        os.symlink(staging.name, link)
        os.replace(link, self.folder / CURRENT)   # the swap
        self.staging = None                       # published: close() must keep it
        fsync_folder(self.folder)
        self._link_entries({entry.name for entry in staging.iterdir()})
        if remove_replaced:
            self._remove_leftovers()              # the set it replaced

    def _link_entries(self, names: set[str]) -> None:
        """DIR/<name> -> .sim-current/<name> for each entry of the current set; links to
        entries the set no longer has are removed."""
        self._unlink_all_but(names)
        for name in sorted(names):
            entry = self.folder / name
            wanted = f"{CURRENT}/{name}"
            if _link_target(entry) == wanted:
                continue
            if entry.is_dir() and not entry.is_symlink():   # a real folder an older version left
                entry.rename(self.folder / f"{name}.{os.getpid()}{PARTIAL_SUFFIX}")
            link = self.folder / f"{name}.link.{os.getpid()}{PARTIAL_SUFFIX}"
            os.symlink(wanted, link)
            os.replace(link, entry)
        fsync_folder(self.folder)

    def _unlink_all_but(self, names: set[str]) -> None:
        """Remove the links into the current set for entries other than names."""
        for entry in self.folder.iterdir():
            target = _link_target(entry) or ""
            if target.startswith(f"{CURRENT}/") and target.split("/", 1)[1] not in names:
                entry.unlink()

    def close(self, remove_unpublished: bool = True) -> None:
        """Delete the staged set if it was never published (unless told not to: a stopping
        command must be quick, and the next run deletes it), and release the lock."""
        if self.staging is not None and remove_unpublished:
            _remove(self.staging)
        self.staging = None
        if self._lock is not None:
            self._lock.close()   # the kernel drops the flock with the last descriptor
            self._lock = None


@contextmanager
def publishing(path: Path) -> Iterator[ReportFolder]:
    """The report folder path, opened (locked, with a fresh set to write), for the block; its
    set is published when the block ends without an exception, and the folder is unlocked
    however it ends. A second run into the same folder stops at open(), at once. Stopping on a
    signal, be quick: the next run deletes the set that is not current."""
    reports = ReportFolder(path)
    try:
        reports.open()
        yield reports
        reports.publish(remove_replaced=signal_received() is None)
    finally:
        reports.close(remove_unpublished=signal_received() is None)


def _link_target(entry: Path) -> str | None:
    try:
        return os.readlink(entry)
    except OSError:
        return None


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)
