"""An export file that becomes visible only when it is complete.

On Linux the rows go to an anonymous O_TMPFILE in the destination folder,
linked into place with linkat() once written and fsynced: a crash or `kill -9`
leaves nothing visible. Where O_TMPFILE is not supported, a hidden
`.NAME.EXPORT_ID.trustkeep-partial` file is used instead, held under a lock
while it is written; the next export in that folder removes partial files
whose writer is gone. Files are mode 0600 and never replace an existing file.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import os
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import Buffer

from trustkeep.errors import EnvironmentProblem, InvalidInput

PARTIAL_SUFFIX = ".trustkeep-partial"
BUFFER = 1 << 20


class _Hashing(io.RawIOBase):
    """A raw writer that hashes what passes through it."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Buffer, /) -> int:
        view = memoryview(data)
        self.digest.update(view)
        written = 0
        while written < len(view):
            written += os.write(self.fd, view[written:])
        self.size += written
        return written


class SafeOutput:
    def __init__(self, path: Path, export_id: str) -> None:
        self.path = path
        self.export_id = export_id
        self._fd = -1
        self._named: Path | None = None
        self.raw: _Hashing | None = None
        self.stream: io.BufferedWriter | None = None

    def __enter__(self) -> SafeOutput:
        folder = self.path.parent
        if not folder.is_dir():
            raise InvalidInput(f"{folder} is not a folder")
        if self.path.exists():
            raise InvalidInput(f"{self.path} exists; refusing to overwrite it")
        remove_stale_partials(folder)
        try:
            self._fd = os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o600)
        except (OSError, AttributeError):
            self._named = folder / f".{self.path.name}.{self.export_id}{PARTIAL_SUFFIX}"
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            self._fd = os.open(self._named, flags, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.raw = _Hashing(self._fd)
        self.stream = io.BufferedWriter(self.raw, buffer_size=BUFFER)
        return self

    def commit(self) -> tuple[str, int]:
        """Flush, fsync and make the file visible; returns (sha256 hex, bytes)."""
        assert self.stream is not None and self.raw is not None
        self.stream.flush()
        os.fsync(self._fd)
        try:
            if self._named is None:
                # A dir fd makes CPython use linkat(..., AT_SYMLINK_FOLLOW), which links
                # the anonymous file itself rather than the /proc symlink.
                dir_fd = os.open(self.path.parent, os.O_RDONLY)
                try:
                    os.link(
                        f"/proc/self/fd/{self._fd}",
                        self.path.name,
                        dst_dir_fd=dir_fd,
                        follow_symlinks=True,
                    )
                finally:
                    os.close(dir_fd)
            else:
                os.link(self._named, self.path)
                os.unlink(self._named)
                self._named = None
        except FileExistsError:
            raise InvalidInput(f"{self.path} appeared while exporting; not overwritten") from None
        except OSError as exc:
            raise EnvironmentProblem(f"cannot place {self.path} ({exc.strerror})") from None
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return self.raw.digest.hexdigest(), self.raw.size

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if self._named is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._named)


def remove_stale_partials(folder: Path) -> int:
    """Delete partial files whose writer died (nobody holds their lock)."""
    removed = 0
    for partial in folder.glob(f".*{PARTIAL_SUFFIX}"):
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
            removed += 1
        os.close(fd)
    return removed
