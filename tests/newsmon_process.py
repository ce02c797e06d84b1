"""``newsmon`` run as a user runs it: in a child process, since Scrapy's reactor starts once per process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_newsmon(
    config: Path, *args: str, timeout: float = 120, env: dict | None = None
) -> subprocess.CompletedProcess[str]:
    """``newsmon --config CONFIG ARGS...`` in the config's folder; its exit code and output."""
    return subprocess.run(
        [sys.executable, "-m", "newsmon", "--config", str(config), *args],
        capture_output=True, text=True, timeout=timeout, cwd=config.parent, env=env,
    )  # fmt: skip
