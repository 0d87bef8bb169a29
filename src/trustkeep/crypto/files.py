"""Writing secret files: 0600 from the first byte, atomically replaced."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

SECRET_MODE = 0o600


def write_secret(path: Path, data: bytes) -> None:
    """Write `data` to `path` with mode 0600 via a temporary file and rename.

    The temporary file is created 0600 (never world-readable, even briefly) and
    fsynced before the rename, so a crash leaves either the old or the new file.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    # O_EXCL: never write secrets into a file someone else prepared.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, SECRET_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, SECRET_MODE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
