"""Sources to and from OPML, the outline format feed readers and monitoring tools exchange feeds in.

Import reads every outline with an ``xmlUrl`` (nested folders included) and appends a ``[[sources]]``
table of type ``feed`` for each new http(s) feed to the config file, keeping the file's comments; a URL
already configured is skipped. Export writes the ``feed`` sources as OPML 2.0 (other types have no
feed URL a reader could use).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

from newsmon.config import Config, parse_config
from newsmon.errors import ConfigError
from newsmon.files import write_atomically

MAX_BYTES = 10 * 1024 * 1024


@dataclass
class ImportResult:
    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # not http(s)


def read_outlines(path: Path) -> list[tuple[str, str]]:
    """(title, feed URL) of every outline with an ``xmlUrl``, in document order."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_BYTES // 2**20} MB; not an OPML subscription list")
    if b"<!DOCTYPE" in data[:2048].upper() or b"<!ENTITY" in data.upper():
        raise ConfigError(f"{path}: OPML with a DTD or entities is refused")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ConfigError(f"{path}: not valid OPML (XML error: {exc})") from None
    if root.tag.lower() != "opml":
        raise ConfigError(f"{path}: not OPML (the root element is <{root.tag}>)")
    return [
        ((o.get("title") or o.get("text") or "").strip(), o.get("xmlUrl", "").strip())
        for o in root.iter("outline")
        if o.get("xmlUrl", "").strip()
    ]


def _name(title: str, url: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or (urlsplit(url).hostname or "feed")
    base = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-") or "feed"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def import_opml(config: Config, path: Path) -> ImportResult:
    """Append the new feeds of an OPML file to the config file; the file is checked before it is replaced."""
    result = ImportResult()
    known = {s.url for s in config.sources}
    taken = {s.name for s in config.sources}
    blocks = []
    for title, url in read_outlines(path):
        if not re.match(r"^https?://[^/\s]+", url):
            result.refused.append(url)
            continue
        if url in known:
            result.already.append(url)
            continue
        known.add(url)
        name = _name(title, url, taken)
        blocks.append(f'\n[[sources]]\nname = {json.dumps(name)}\ntype = "feed"\nurl = {json.dumps(url, ensure_ascii=False)}\n')
        result.added.append(name)
    if not blocks:
        return result
    text = config.path.read_text(encoding="utf-8")
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    text = text.rstrip("\n") + f"\n\n# imported from {path.name} on {stamp}\n" + "".join(blocks)
    parse_config(text, config.path)  # what is written must load
    write_atomically(config.path, text, what="the config")
    return result


def export_opml(config: Config) -> tuple[str, int]:
    """The feed sources as an OPML 2.0 document, and how many sources of other types were left out."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = f"newsmon sources ({config.path.name})"
    ET.SubElement(head, "dateCreated").text = format_datetime(datetime.now(timezone.utc))
    body = ET.SubElement(root, "body")
    feeds = [s for s in config.sources if s.type == "feed"]
    for source in feeds:
        ET.SubElement(body, "outline", type="rss", text=source.name, title=source.name, xmlUrl=source.url)
    ET.indent(root)
    text = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    return text, len(config.sources) - len(feeds)
