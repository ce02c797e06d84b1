"""Files newsmon writes for others to read (exports, the config after an import): atomic, with a fair mode."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from newsmon.errors import NewsmonError


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def publish_mode(path: Path) -> int:
    """The mode a new export gets: an existing file's own mode, else what ``open()`` would give (0666 & ~umask).

    The temporary file is created 0600, which would make a feed in a web server's folder unreadable to it.
    """
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_current_umask()


def write_atomically(path: Path, text: str, encoding: str = "utf-8", *, what: str = "the file") -> None:
    """Write next to the target first, so a failure never leaves half a file; then give it its mode."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = publish_mode(path)
        with tempfile.NamedTemporaryFile("w", encoding=encoding, dir=path.parent, delete=False, newline="") as tmp:
            tmp.write(text)
        try:
            os.chmod(tmp.name, mode)
            os.replace(tmp.name, path)
        except OSError:
            os.unlink(tmp.name)
            raise
    except OSError as exc:
        raise NewsmonError(f"{path}: cannot write {what}: {exc.strerror or exc}") from None
