"""Benchmark the whole pipeline against a generated news site on 127.0.0.1.

    python bench/run.py [--articles N] [--match-share S] [--hard-share H] [--processes P]
                        [--cycles K] [--scale N,N...] [--keep DIR]

Each stage runs in a child process, as a user would run it, so that its wall time, CPU time (rusage of
its whole process tree, which survives a busy machine better than wall time) and peak memory (the
resident set of its process tree, sampled every 50 ms) are its own: crawl (fetch + extract + store),
analyze (NLP + matching + store), the raw ``nlp.pipe`` limit over the same texts, end to end (``newsmon
crawl`` on a fresh database) with story grouping timed again on its matches, a re-crawl of the unchanged
site, and with ``--cycles`` the daemon's memory after each scheduled cycle. ``--scale`` repeats the end
to end run on sites of other sizes, to show how the cost per article grows. Progress goes to stderr; the
last line on stdout is one JSON object with every figure.

The site's mix: ``--match-share`` of the articles are written as matches; of the others ``--hard-share``
carry a hard negative (a side or a decoy named off-topic) and the rest name neither side, as most of a
real feed. ``--match-share 0.2 --hard-share 1`` is the mix this benchmark had before it had the options.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psutil

from newsmon.localsite import LocalSite
from newsmon.pipeline.db import connect
from sitegen import Site, generate_site, publish_more

HERE = Path(__file__).resolve().parent
SAMPLE_SECONDS = 0.05


@dataclass
class ChildRun:
    """How one child process went: wall time, peak RSS and PSS of its process tree, exit code, output files."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: Path
    stderr: Path
    cpu_seconds: float = 0.0
    peak_pss_mb: float = 0.0

    def json_line(self) -> dict:
        lines = [line for line in self.stdout.read_text(encoding="utf-8").splitlines() if line.startswith("{")]
        if not lines:
            raise RuntimeError(f"no JSON from child; see {self.stderr}")
        return json.loads(lines[-1])


def _tree_memory(process: psutil.Process) -> tuple[int, int]:
    """RSS and PSS of ``process`` and its descendants, summed. Forked workers share their parent's pages
    (the models), which RSS counts once per process and PSS divides among the processes sharing them:
    the RSS sum overstates what the tree takes from the machine, the PSS sum does not."""
    rss = pss = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    for member in members:
        try:
            info = member.memory_full_info()
        except psutil.Error:
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
    return rss, pss


def run_child(cmd: list[str], log_prefix: Path, *, timeout: float = 3600) -> ChildRun:
    """Run ``cmd`` to completion, sampling the RSS of its process tree; stop it after ``timeout``."""
    stdout, stderr = log_prefix.with_suffix(".out"), log_prefix.with_suffix(".err")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    start = time.perf_counter()
    with stdout.open("wb") as out, stderr.open("wb") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, start_new_session=True)
    process = psutil.Process(proc.pid)
    peak = peak_pss = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        rss, pss = _tree_memory(process)
        peak, peak_pss = max(peak, rss), max(peak_pss, pss)
        if time.perf_counter() - start > timeout:
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(SAMPLE_SECONDS)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak = max(peak, usage.ru_maxrss * 1024)
    # wait4's rusage covers the child and every descendant it waited for (analysis workers, crawl children)
    cpu = usage.ru_utime + usage.ru_stime
    return ChildRun(seconds, peak / 2**20, proc.returncode, stdout, stderr, cpu, peak_pss / 2**20)


def _spin(seconds: float) -> float:
    start, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        pass
    return time.process_time() - cpu


def cpu_share(seconds: float = 1.0) -> float:
    """The share of the machine's cores this benchmark can get right now (1.0 = all of them idle).

    Figures measured while other work runs are noisy; this puts a number on how noisy.
    """
    cores = os.cpu_count() or 1
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        got = pool.map(_spin, [seconds] * cores)
    return round(sum(got) / (cores * seconds), 2)


def newsmon(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "newsmon", "--config", str(config), *args]


def write_config(folder: Path, site: Site, base_url: str, *, processes: int, every: str = "30m") -> Path:
    """A config whose sources are the generated site's feeds and sitemaps."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = "".join(
        f'\n[[sources]]\nname = "{s.name}"\ntype = "{s.config_type}"\nurl = "{base_url}{s.url_path}"\nevery = "{every}"\n'
        for s in site.sources
    )
    text = f"""database = "newsmon.db"

[crawl]
user_agent = "newsmon-bench/1.0"

[nlp]
processes = {processes}

[digest]
timezone = "UTC"

[daemon]
jitter = "1s"
heartbeat = "1m"
{sources}"""
    path = folder / "newsmon.toml"
    path.write_text(text, encoding="utf-8")
    return path


def rows(db_path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def query(db_path: Path, sql: str) -> int:
    return rows(db_path, sql)[0][0]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def check(run: ChildRun, stage: str) -> ChildRun:
    if run.returncode != 0:
        tail = run.stderr.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        raise SystemExit(f"{stage} failed (exit {run.returncode}): " + " / ".join(tail))
    return run


def run_stage(stage: str, config: Path, work: Path) -> ChildRun:
    """One of ``bench/child.py``'s stages on ``config``, its logs in ``work``; stops the benchmark if it fails."""
    return check(run_child([sys.executable, str(HERE / "child.py"), stage, str(config)], work / stage), stage)


def per_second(count: int, seconds: float) -> float:
    return round(count / seconds, 2) if seconds > 0 else 0.0


def cpu_ms(run: ChildRun, count: int) -> float:
    """CPU-milliseconds per article of one stage's process tree."""
    return round(1000 * run.cpu_seconds / count, 1) if count else 0.0


def measure_crawl_and_analyze(
    work: Path, site: Site, server: LocalSite, processes: int, compare: bool = True
) -> dict:
    """Crawl without analysis, then the raw NLP limit and analysis of what was stored, then a re-crawl."""
    config = write_config(work / "staged", site, server.base_url, processes=processes)
    db_path = config.parent / "newsmon.db"
    server.reset_log()
    cpu_before = sum(psutil.Process().cpu_times()[:2])
    crawl = check(run_child(newsmon(config, "crawl", "--no-analyze", "--no-alerts"), work / "crawl"), "crawl")
    server_cpu = sum(psutil.Process().cpu_times()[:2]) - cpu_before
    stored = query(db_path, "select count(*) from articles")
    crawl_requests = server.count()
    log(
        f"crawl: {stored} articles in {crawl.seconds:.1f}s, {cpu_ms(crawl, stored)} CPU-ms each ({crawl_requests} "
        f"requests; the site's server used {server_cpu:.1f} CPU-s), peak {crawl.peak_rss_mb:.0f} MB RSS, {crawl.peak_pss_mb:.0f} MB PSS"
    )

    limit_run = run_stage("nlp-limit", config, work)
    limit = limit_run.json_line()
    log(
        f"nlp limit: {limit['per_s']:.1f} articles/s, {limit['ner_articles']} through the NER "
        f"(batch {limit['batch_size']}, n_process {limit['n_process']}), "
        f"peak {limit_run.peak_rss_mb:.0f} MB RSS, {limit_run.peak_pss_mb:.0f} MB PSS"
    )

    analyze_run = run_stage("analyze", config, work)
    analyzed = analyze_run.json_line()
    log(
        f"analyze: {analyzed['articles']} articles, {analyzed['matches']} matches in {analyzed['seconds']:.1f}s, "
        f"{cpu_ms(analyze_run, analyzed['articles'])} CPU-ms each ({analyzed['cpu_ms']} after start-up), "
        f"peak {analyze_run.peak_rss_mb:.0f} MB RSS, {analyze_run.peak_pss_mb:.0f} MB PSS"
    )
    written = {a.path for a in site.articles if a.is_match}
    matched = {urlsplit(row[0]).path for row in rows(db_path, "select url from articles where id in (select article_id from matches)")}

    checked: dict = {}
    if compare:
        same = run_stage("compare", config, work).json_line()
        log(
            f"pre-filter: {same['differences']} of {same['articles']} articles analysed differently than with the "
            f"NER on all; CPU-ms per article in one process: {same['cpu_ms_by_ner']}"
        )
        checked = {
            "prefilter_differences": same["differences"],
            "prefilter_checked_articles": same["articles"],
            "analysis_cpu_ms_by_ner": same["cpu_ms_by_ner"],
        }

    server.reset_log()
    recrawl = check(run_child(newsmon(config, "crawl", "--no-analyze", "--no-alerts"), work / "recrawl"), "recrawl")
    article_paths = {a.path for a in site.articles}
    seen = server.seen()
    refetched = [r for r in seen if r.route in article_paths and r.status == 200]
    log(f"recrawl: {len(seen)} requests, {len(refetched)} article pages fetched again, {recrawl.seconds:.1f}s")
    return {
        "crawl_per_s": per_second(stored, crawl.seconds),
        "crawl_seconds": round(crawl.seconds, 2),
        "crawl_cpu_ms": cpu_ms(crawl, stored),
        "crawl_requests": crawl_requests,
        "site_server_cpu_seconds": round(server_cpu, 2),
        "analyze_per_s": per_second(analyzed["articles"], analyzed["seconds"]),
        "analyze_seconds": round(analyzed["seconds"], 2),
        "analyze_cpu_ms": cpu_ms(analyze_run, analyzed["articles"]),
        "analyze_cpu_ms_after_startup": analyzed["cpu_ms"],
        "analyzed": analyzed["articles"],
        "matched_articles": analyzed["matched_articles"],
        "matched_as_written": len(matched & written),
        "nlp_limit_per_s": round(limit["per_s"], 2),
        "ner_articles": limit["ner_articles"],
        "nlp_limit": limit,
        "nlp_ratio": round(per_second(analyzed["articles"], analyzed["seconds"]) / limit["per_s"], 3),
        "recrawl_requests": len(seen),
        "recrawl_requests_by_status": _by_status(seen),
        "recrawl_articles": len(refetched),
        "recrawl_seconds": round(recrawl.seconds, 2),
        "stored": stored,
        **checked,
        "peak_rss_mb_by_stage": {
            "crawl": round(crawl.peak_rss_mb),
            "nlp_limit": round(limit_run.peak_rss_mb),
            "analyze": round(analyze_run.peak_rss_mb),
            "recrawl": round(recrawl.peak_rss_mb),
        },
        "peak_pss_mb_by_stage": {
            "crawl": round(crawl.peak_pss_mb),
            "nlp_limit": round(limit_run.peak_pss_mb),
            "analyze": round(analyze_run.peak_pss_mb),
            "recrawl": round(recrawl.peak_pss_mb),
        },
    }


def _by_status(seen: list) -> dict[str, int]:
    counts: dict[str, int] = {}
    for request in seen:
        counts[str(request.status)] = counts.get(str(request.status), 0) + 1
    return counts


def measure_end_to_end(work: Path, site: Site, server: LocalSite, processes: int) -> dict:
    """``newsmon crawl`` with analysis and alerts on a fresh database, timed as a user sees it."""
    config = write_config(work / "end-to-end", site, server.base_url, processes=processes)
    run = check(run_child(newsmon(config, "crawl"), work / "end-to-end"), "end to end")
    db_path = config.parent / "newsmon.db"
    analyzed = query(db_path, "select count(*) from articles where analyzed_at is not null")
    grouping = run_stage("stories", config, work).json_line()
    log(
        f"end to end: {analyzed} articles crawled and analysed in {run.seconds:.1f}s, {cpu_ms(run, analyzed)} "
        f"CPU-ms each, peak {run.peak_rss_mb:.0f} MB RSS, {run.peak_pss_mb:.0f} MB PSS; story grouping of its {grouping['matches']} matches "
        f"{grouping['seconds']:.2f}s"
    )
    return {
        "end_to_end_per_s": per_second(analyzed, run.seconds),
        "end_to_end_seconds": round(run.seconds, 2),
        "end_to_end_cpu_ms": cpu_ms(run, analyzed),
        "end_to_end_articles": analyzed,
        "end_to_end_matched_articles": query(db_path, "select count(distinct article_id) from matches"),
        "end_to_end_peak_rss_mb": round(run.peak_rss_mb),
        "end_to_end_peak_pss_mb": round(run.peak_pss_mb),
        "story_grouping_matches": grouping["matches"],
        "story_grouping_seconds": grouping["seconds"],
        "story_grouping_share": round(grouping["seconds"] / run.seconds, 4) if run.seconds else 0.0,
    }


def measure_scale(work: Path, sizes: list[int], args: argparse.Namespace) -> dict:
    """End to end on a site of each size: CPU-ms and wall time per article, and story grouping time."""
    scale: dict[str, dict] = {}
    for size in sizes:
        folder = work / f"scale-{size}"
        site = generate_site(folder / "site", size, match_share=args.match_share, hard_share=args.hard_share)
        with LocalSite(folder / "site") as server:
            figures = measure_end_to_end(folder, site, server, args.processes)
        scale[str(size)] = {
            key: figures[key]
            for key in (
                "end_to_end_cpu_ms",
                "end_to_end_per_s",
                "end_to_end_seconds",
                "story_grouping_matches",
                "story_grouping_seconds",
                "story_grouping_share",
            )
        }
    return scale


def measure_daemon(work: Path, site: Site, server: LocalSite, processes: int, cycles: int, every: int) -> dict:
    """Run ``newsmon run`` until every source has finished ``cycles`` runs; the daemon's RSS after each.

    A cycle ends when every source has one more finished row in ``crawl_runs`` and nothing is left to
    analyse; the daemon's own RSS (without its crawl children) is sampled then. Fresh articles are
    published on the site every cycle, so each one fetches, analyses and stores something new, as a live
    monitor does. Growth is measured from cycle 10 (cycle 1 with fewer cycles) to the last.
    """
    config = write_config(work / "daemon", site, server.base_url, processes=processes, every=f"{every}s")
    db_path = config.parent / "newsmon.db"
    connect(db_path, create=True).close()  # the daemon wants an existing database, as 'newsmon init' leaves it
    with (work / "daemon.out").open("wb") as out, (work / "daemon.err").open("wb") as err:
        proc = subprocess.Popen(newsmon(config, "run"), stdout=out, stderr=err, start_new_session=True)
    daemon = psutil.Process(proc.pid)
    rss: list[float] = []
    start = time.perf_counter()
    deadline = start + cycles * (every + 60) + 120
    try:
        while len(rss) < cycles and time.perf_counter() < deadline and proc.poll() is None:
            time.sleep(0.2)
            done = _finished_cycles(db_path, len(site.sources))
            if done > len(rss) and not query(db_path, "select count(*) from articles where analyzed_at is null"):
                rss.append(round(daemon.memory_info().rss / 2**20, 1))
                log(f"daemon: cycle {len(rss)} done at {time.perf_counter() - start:.0f}s, RSS {rss[-1]} MB")
                publish_more(site, per_source=2)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    result: dict = {"daemon_cycles": len(rss), "daemon_rss_mb": rss, "daemon_exit": proc.returncode}
    if len(rss) >= 2:
        from_cycle = 10 if len(rss) > 10 else 1
        result["daemon_rss_growth"] = round(rss[-1] / rss[from_cycle - 1] - 1, 4)
        result["daemon_rss_growth_from_cycle"] = from_cycle
    return result


def _finished_cycles(db_path: Path, sources: int) -> int:
    if not db_path.exists():
        return 0
    try:
        per_source = query(
            db_path,
            "select coalesce(min(n), 0) from (select source, count(*) as n from crawl_runs "
            "where finished_at is not null group by source)",
        )
        seen_sources = query(db_path, "select count(distinct source) from crawl_runs where finished_at is not null")
    except sqlite3.Error:
        return 0
    return per_source if seen_sources >= sources else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300, help="articles on the generated site")
    parser.add_argument("--match-share", type=float, default=0.05, help="share of articles written as matches")
    parser.add_argument(
        "--hard-share", type=float, default=0.1, help="share of the other articles that carry a hard negative"
    )
    parser.add_argument(
        "--scale", type=lambda v: [int(n) for n in v.split(",") if n], default=[],
        help="also run end to end on sites of these sizes (comma-separated), e.g. 300,1000",
    )
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="analysis processes ([nlp] processes)")
    parser.add_argument("--cycles", type=int, default=0, help="also run the daemon for this many cycles")
    parser.add_argument("--every", type=int, default=5, help="seconds between a source's scheduled crawls (with --cycles)")
    parser.add_argument(
        "--no-compare", action="store_true", help="skip checking the pre-filter's matches against the NER on all"
    )
    parser.add_argument("--keep", type=Path, help="keep the site, databases and logs in this folder")
    args = parser.parse_args()

    if args.keep:
        work = args.keep.resolve()
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="newsmon-bench-"))
    site = generate_site(work / "site", args.articles, match_share=args.match_share, hard_share=args.hard_share)
    words = sum(a.words for a in site.articles)
    hard = sum(a.kind == "hard" for a in site.articles)
    log(
        f"site: {len(site.articles)} articles, {words} words, {sum(a.is_match for a in site.articles)} written "
        f"as matches, {hard} hard negatives, {len(site.sources)} sources, {site.listing_pages} feed/sitemap pages"
    )
    figures: dict = {
        "articles": len(site.articles),
        "match_share": args.match_share,
        "hard_share": args.hard_share,
        "hard_negatives": hard,
        "words": words,
        "sources": len(site.sources),
        "listing_pages": site.listing_pages,
        "written_as_matches": sum(a.is_match for a in site.articles),
        "cores": os.cpu_count(),
        "processes": args.processes,
    }
    figures["cpu_share_at_start"] = cpu_share()
    try:
        with LocalSite(work / "site") as server:
            figures.update(measure_crawl_and_analyze(work, site, server, args.processes, not args.no_compare))
            figures.update(measure_end_to_end(work, site, server, args.processes))
            if args.cycles:
                figures.update(measure_daemon(work, site, server, args.processes, args.cycles, args.every))
        if args.scale:
            figures["scale"] = measure_scale(work, args.scale, args)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    figures["cpu_share_at_end"] = cpu_share()
    stages = figures["peak_rss_mb_by_stage"]
    stages["end_to_end"] = figures.pop("end_to_end_peak_rss_mb")
    figures["peak_rss_mb"] = max(stages.values())
    pss = figures["peak_pss_mb_by_stage"]
    pss["end_to_end"] = figures.pop("end_to_end_peak_pss_mb")
    figures["peak_pss_mb"] = max(pss.values())
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
