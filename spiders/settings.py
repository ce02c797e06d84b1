"""Scrapy settings derived from the ``[crawl]`` section of the config: one place for politeness."""

from __future__ import annotations

from typing import Any

from newsmon.config import CrawlSettings

CONCURRENT_ITEMS = 8
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]


def scrapy_settings(crawl: CrawlSettings) -> dict[str, Any]:
    """Settings for a ``CrawlerProcess`` that runs newsmon's spiders."""
    return {
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_per_domain,
        "CONCURRENT_ITEMS": CONCURRENT_ITEMS,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 0.5,
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl.concurrent_per_domain),
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "DOWNLOAD_MAXSIZE": int(crawl.max_page_mb * 1024 * 1024),
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_ENABLED": crawl.retries > 0,
        "RETRY_TIMES": crawl.retries,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        "RETRY_BACKOFF_BASE": 1.0,
        "REDIRECT_MAX_TIMES": 5,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,  # an HTTP server per source that runs Python code sent to it
        "WARN_ON_GENERATOR_RETURN_VALUE": False,  # a developer's check that parses every callback's source
        "LOG_INSTALL_ROOT_HANDLER": False,
        "RETRY_GIVE_UP_LOG_LEVEL": "INFO",
        "DOWNLOAD_HANDLERS": {"data": None, "file": None, "s3": None, "ftp": None},  # http(s) only
        "DOWNLOADER_MIDDLEWARES": {
            "newsmon.spiders.safety.SafeTargetMiddleware": 50,
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "newsmon.spiders.middlewares.CachedRobotsTxtMiddleware": 100,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "newsmon.spiders.middlewares.BackoffRetryMiddleware": 550,
            "newsmon.spiders.middlewares.ConditionalRequestMiddleware": 560,
        },
        "ITEM_PIPELINES": {"newsmon.spiders.pipelines.StorePipeline": 300},
    }
