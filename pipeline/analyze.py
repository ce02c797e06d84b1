"""Placeholder until the NLP issue lands: analysis of stored articles."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from newsmon.config import Config


@dataclass
class AnalyzeResult:
    articles: int = 0
    matches: int = 0
    seconds: float = 0.0


def analyze_pending(db: sqlite_utils.Database, config: Config, *, reanalyze_all: bool = False) -> AnalyzeResult:
    """Analyse every article not yet analysed (all of them with ``reanalyze_all``)."""
    return AnalyzeResult()
