"""Fixtures shared by every test module: configs written to a temporary folder, and the CLI runner."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def write_config(tmp_path: Path):
    """Write ``newsmon.toml`` in tmp_path from TOML text (dedented) and return its path."""

    def write(text: str = "", name: str = "newsmon.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def nlp():
    """The English pipeline (the real model plus the bundled watchlist), built once per test session.

    ``pipeline.nlp`` caches pipelines per process, so every analysis later in the session reuses this
    same object instead of loading the model again.
    """
    from newsmon.config import NlpSettings
    from newsmon.pipeline.nlp import get_pipeline
    from newsmon.pipeline.watchlist import load_watchlist

    return get_pipeline("en", NlpSettings(), load_watchlist())


def _pipeline(language: str):
    from newsmon.config import NlpSettings
    from newsmon.pipeline.nlp import get_pipeline
    from newsmon.pipeline.watchlist import load_watchlist

    return get_pipeline(language, NlpSettings(), load_watchlist())


@pytest.fixture(scope="session")
def nlp_ru():
    """The Russian pipeline (natasha's NER plus the bundled watchlist), built once per session, on first use."""
    return _pipeline("ru")


@pytest.fixture(scope="session")
def nlp_fr():
    """The French pipeline (fr_core_news_sm plus the bundled watchlist), built once per session, on first use."""
    return _pipeline("fr")
