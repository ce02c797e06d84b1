"""What ``newsmon check`` verifies beyond loading the config: everything the config points at.

``load_config`` already refuses bad syntax, types, source types, URLs, cron fields, ``digest.at`` and
the time zone. These checks look further: the watchlist file exists and parses, the mail addresses are
addresses, the webhook is a web URL, the database folder is writable, the spaCy model is installed,
and (on request) the SMTP server answers. ``newsmon run`` refuses to start on any fatal finding.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path

from newsmon.config import Config
from newsmon.errors import ConfigError, NewsmonError

_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9-]+)*$")


@dataclass
class Finding:
    """One check's outcome: ``ok``, ``warning`` (works, but probably not as meant) or ``fatal``."""

    level: str
    what: str
    detail: str

    def line(self) -> str:
        return f"{self.level:<7}  {self.what}: {self.detail}"


def is_address(text: str) -> bool:
    """A mail address, bare or as ``Name <user@host>``."""
    name, address = parseaddr(text)
    return bool(address) and address == address.strip() and bool(_ADDRESS.match(address))


def _addresses(config: Config) -> list[Finding]:
    findings = []
    for key, values in (("alerts.to", config.alerts.to), ("digest.to", config.digest.to), ("smtp.from", [config.smtp.from_])):
        bad = [value for value in values if not is_address(value)]
        if bad:
            findings.append(Finding("fatal", key, f"not a mail address: {', '.join(repr(v) for v in bad)}"))
        elif values:
            findings.append(Finding("ok", key, ", ".join(values)))
    if not config.alerts.to and not config.alerts.webhook:
        findings.append(Finding("warning", "alerts", "off: neither alerts.to nor alerts.webhook is set"))
    if not config.digest.to:
        findings.append(Finding("warning", "digest.to", f"empty: digests are written to {config.outbox_path}"))
    return findings


def watchlist_finding(config: Config) -> Finding:
    from newsmon.pipeline.watchlist import load_watchlist

    try:
        watchlist = load_watchlist(config.watchlist_path)
    except NewsmonError as exc:
        return Finding("fatal", "watchlist", str(exc))
    where = config.watchlist_path or "bundled"
    watches = len(watchlist.watches)
    return Finding("ok", "watchlist", f"{where}: {len(watchlist.entities)} entities, {watches} watch{'es' if watches != 1 else ''}")


def _webhook(config: Config) -> list[Finding]:
    url = config.alerts.webhook
    if url is None:
        return []
    if not re.match(r"^https?://[^/\s]+", url):
        return [Finding("fatal", "alerts.webhook", f"expected an http(s) URL, got {url!r}")]
    return [Finding("ok", "alerts.webhook", url)]


def _writable_folder(what: str, path: Path) -> Finding:
    folder = path if path.is_dir() else path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not os.access(folder, os.W_OK):
        return Finding("fatal", what, f"{path}: {folder} is not writable")
    return Finding("ok", what, str(path))


def _model(config: Config) -> Finding:
    """Every configured model is installed (checked from its metadata, no weights loaded)."""
    from newsmon.pipeline.nlp import models_by_language

    try:
        models = models_by_language(config.nlp)
    except ConfigError as exc:
        return Finding("fatal", "nlp.models", str(exc))
    return Finding("ok", "nlp.models", ", ".join(f"{lang} = {name}" for lang, name in sorted(models.items())))


def _user_agent(config: Config) -> Finding:
    agent = config.crawl.user_agent
    if not re.search(r"@|https?://|mailto:", agent):
        return Finding("warning", "crawl.user_agent", f"{agent!r} has no contact: add an email or URL for site owners")
    return Finding("ok", "crawl.user_agent", agent)


def _sources(config: Config) -> list[Finding]:
    enabled = [s for s in config.sources if s.enabled]
    if not enabled:
        return [Finding("warning", "sources", "none enabled: the daemon would only send digests")]
    return [Finding("ok", "sources", f"{len(enabled)} enabled, each with an http(s) URL and a valid schedule")]


def smtp_finding(config: Config) -> Finding:
    """Connect, secure and log in as the daemon would, then quit without sending anything."""
    from newsmon.pipeline.mailer import SmtpSession

    try:
        with SmtpSession(config.smtp):
            pass
    except NewsmonError as exc:
        return Finding("fatal", "smtp", str(exc))
    return Finding("ok", "smtp", f"{config.smtp.host}:{config.smtp.port} answered ({config.smtp.security})")


def check_config(config: Config, *, smtp: bool = False) -> list[Finding]:
    """Every finding about a loaded config, fatal ones included; ``smtp`` adds a live connection test."""
    findings = [
        Finding("ok", "config", f"{config.path}: parses, sources, schedules, digest.at and timezone are valid"),
        watchlist_finding(config),
        *_addresses(config),
        *_webhook(config),
        _writable_folder("database", config.database_path),
        _writable_folder("digest.outbox", config.outbox_path),
        _model(config),
        *_sources(config),
        _user_agent(config),
    ]
    if config.log.file:
        findings.append(_writable_folder("log.file", config.resolve(config.log.file)))
    if smtp:
        findings.append(smtp_finding(config))
    return findings


def fatal(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == "fatal"]
