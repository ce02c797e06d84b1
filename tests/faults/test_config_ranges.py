"""Every numeric and duration setting has a range, checked when the config is loaded: a value that
would hang a crawl (no concurrency), lose articles (a batch of zero), or end in a traceback later (an
infinite size, a duration of 10^20 days, a line break in an address) is refused at once, with one line
that names the key. The table is the list of values found to slip through."""

from __future__ import annotations

import pytest

from newsmon.cli import cli
from newsmon.config import RANGES, load_config
from newsmon.errors import ConfigError

SOURCE = '[[sources]]\nname = "a"\ntype = "feed"\nurl = "http://127.0.0.1/feed.xml"\n'

BAD = [
    ("[crawl]\nconcurrent_per_domain = 0\n", "crawl.concurrent_per_domain: expected an integer from 1 to 64, got 0"),
    ("[crawl]\nconcurrent_per_domain = -1\n", "crawl.concurrent_per_domain"),
    ("[nlp]\nbatch_size = 0\n", "nlp.batch_size: expected an integer from 1 to 10000, got 0"),
    ("[crawl]\nmax_page_mb = inf\n", "crawl.max_page_mb: expected a number from 0.01 to 1024, got inf"),
    ('[daemon]\ncrawl_limit = "99999999999999999999d"\n', "daemon.crawl_limit: '99999999999999999999d' is longer than 366d"),
    (SOURCE + 'every = "99999999999999999999d"\n', "sources[0].every: '99999999999999999999d' is longer than 366d"),
    ("[smtp]\ntimeout = -1\n", "smtp.timeout: expected a number from 1 to 600, got -1.0"),
    ("[smtp]\ndeadline = 0\n", "smtp.deadline"),
    ("[crawl]\ntimeout = -5\n", "crawl.timeout: expected a number from 1 to 3600, got -5.0"),
    ("[crawl]\ntimeout = nan\n", "crawl.timeout: expected a number from 1 to 3600, got nan"),
    ("[crawl]\ntimeout = 0\n", "crawl.timeout"),
    ('[alerts]\nto = ["analyst@example.org\\r\\nBcc: spy@example.net"]\n', "alerts.to: control characters"),
    ('[smtp]\nfrom = "newsmon@example.org\\nBcc: spy@example.net"\n', "smtp.from: control characters"),
    ('[digest]\nto = ["desk@example.org\\n"]\n', "digest.to: control characters"),
    (SOURCE + "max_articles = -1\n", "sources[0].max_articles: expected an integer from 1 to 100000, got -1"),
    (SOURCE + "lookback_days = 0\n", "sources[0].lookback_days"),
    ("[crawl]\nretries = -3\n", "crawl.retries: expected an integer from 0 to 10, got -3"),
    ("[nlp]\nprocesses = 1000\n", "nlp.processes: expected an integer from 1 to 64, got 1000"),
    ("[smtp]\nport = 70000\n", "smtp.port"),
    ("[crawl]\nmax_sitemaps = 0\n", "crawl.max_sitemaps"),
    ("[crawl]\nsitemap_depth = 0\n", "crawl.sitemap_depth"),
]


@pytest.mark.parametrize("text, expected", BAD, ids=[expected.split(":")[0] for _, expected in BAD])
def test_a_value_out_of_range_is_refused_at_load_in_one_line_naming_the_key(write_config, runner, text, expected):
    path = write_config(text)
    with pytest.raises(ConfigError) as excinfo:
        load_config(path)
    assert expected in str(excinfo.value) and str(path) in str(excinfo.value)
    result = runner.invoke(cli, ["--config", str(path), "sources"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_the_defaults_and_the_ends_of_every_range_are_accepted(write_config):
    load_config(write_config(SOURCE))
    for key, (low, high) in RANGES.items():
        section, name = key.split(".")
        for value in (low, high):
            load_config(write_config(f"[{section}]\n{name} = {value!r}\n" + SOURCE))
