"""Analysis that runs while a crawl is still fetching, in a process of its own.

``newsmon crawl`` used to fetch everything, then analyse everything: one core extracting pages while the
other waited, then the spaCy model loading while nothing was fetched. Started before the crawl, this
process loads the pipelines during the first fetches and analyses each batch as soon as the crawl's
store has written it, so the two stages overlap. It is forked before Scrapy starts (no threads yet,
nothing to inherit in a bad state). It is not a daemonic process, since it starts analysis workers of its
own; it stops by itself after its current pass if the crawl's process dies.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass

from newsmon.config import Config
from newsmon.errors import NewsmonError

POLL_SECONDS = 0.5


@dataclass
class Analysed:
    """What every pass analysed, added up (``pipeline.analyze.AnalyzeResult``'s counts, without importing
    spaCy into the crawl's process)."""

    articles: int = 0
    matches: int = 0
    failed: int = 0
    seconds: float = 0.0


@dataclass
class _Outcome:
    result: Analysed | None = None
    error: BaseException | None = None


def _while_crawling(config: Config) -> Config:
    """The config analysis uses while the crawl still runs: one analysis process fewer, since the crawl
    keeps a core busy (fetching and extracting); more processes than cores only trade places on them,
    each with its own copy of the models. The last pass, after the crawl, uses them all."""
    if config.nlp.processes <= 1:
        return config
    return dataclasses.replace(config, nlp=dataclasses.replace(config.nlp, processes=config.nlp.processes - 1))


def _analyse_until_done(config: Config, done, results, parent: int, progress=None) -> None:
    from newsmon.pipeline.analyze import analyze_pending
    from newsmon.pipeline.db import connect

    for signum in (signal.SIGTERM, signal.SIGINT):  # stopped with the crawl, silently; pending stays pending
        signal.signal(signum, signal.SIG_DFL)
    total = Analysed()
    try:
        db = connect(config.database_path)
        while os.getppid() == parent:
            finished = done.is_set()  # read before the pass, so the last pass sees every stored article
            if finished:
                result = analyze_pending(db, config, progress=progress)
            else:
                result = analyze_pending(db, _while_crawling(config))
            total.articles += result.articles
            total.matches += result.matches
            total.failed += result.failed
            total.seconds += result.seconds
            if finished:
                break
            if not result.articles:
                done.wait(POLL_SECONDS)
        if progress is not None:
            progress.close()
        results.send(_Outcome(result=total))
    except BaseException as exc:  # handed to the crawl's process, which reports it as before
        results.send(_Outcome(error=exc))


class BackgroundAnalysis:
    """Analyses what the crawl stores, while it runs; :meth:`finish` returns the totals."""

    def __init__(self, config: Config, progress: Callable[[int, int], None] | None = None) -> None:
        """``progress(done, total)`` reports the last pass, the one the crawl waits for once it is over."""
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self._done = context.Event()
        self._results, sender = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_analyse_until_done,
            args=(config, self._done, sender, os.getpid(), progress),
            name="newsmon-analysis",
        )
        self._process.start()
        sender.close()

    def finish(self) -> Analysed:
        """Tell the process the crawl is over, wait for its last pass, and return what it analysed."""
        self._done.set()
        try:
            outcome: _Outcome = self._results.recv()
        except EOFError:
            outcome = _Outcome(error=NewsmonError("the analysis process died; run 'newsmon analyze' to finish"))
        self._process.join()
        if outcome.error is not None:
            raise outcome.error
        return outcome.result or Analysed()

    def cancel(self) -> None:
        """Stop at once (the crawl failed or was interrupted); what was stored stays pending."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
