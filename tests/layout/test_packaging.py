"""The distribution adds one top-level name, ``newsmon``; its folders install as its subpackages."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _site_packages(env: Path) -> Path:
    (found,) = env.glob("lib/python*/site-packages")
    return found


def test_the_installed_wheel_adds_only_newsmon(tmp_path):
    source = tmp_path / "source"  # a copy, so the build leaves no build/ folder in the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__", "*.db*", "outbox"))
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(dist), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("newsmon-*.whl")
    env = tmp_path / "env"
    venv.create(env, with_pip=False)
    site = _site_packages(env)
    before = {p.name for p in site.iterdir()}
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(env / "bin" / "python"), "install",
         "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    added = {p.name for p in site.iterdir()} - before
    top_level = {name for name in added if not name.endswith((".dist-info", ".pth"))}
    assert top_level == {"newsmon"}
    installed = site / "newsmon"
    for module in ("spiders/feed.py", "pipeline/db.py", "schedules/daemon.py", "commands/crawl.py"):
        assert (installed / module).is_file(), module
    assert (installed / "pipeline/templates/digest.html").is_file()
    assert list((installed / "demo/stories").glob("*.toml"))
    assert (installed / "watchlists/belarus_libya.toml").is_file()
