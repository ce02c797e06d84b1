"""What every newsmon email's HTML must be, whatever the scraped pages contained: checked by parsing it."""

from __future__ import annotations

from html.parser import HTMLParser

FORBIDDEN_TAGS = {
    "script",
    "img",
    "iframe",
    "object",
    "embed",
    "link",
    "style",
    "form",
    "input",
    "base",
    "svg",
    "video",
    "audio",
}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector


def assert_safe_html(html: str) -> _Collector:
    """No scripts, event handlers, embedded or external resources; links only http(s). Returns the parse."""
    page = parse(html)
    for tag, attrs in page.tags:
        assert tag not in FORBIDDEN_TAGS, f"<{tag}> in the email"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"event handler {name}= on <{tag}>"
            assert name not in ("src", "srcset", "background", "action", "formaction"), f"{name}= on <{tag}>"
            if name == "href":
                assert value and value.startswith(("http://", "https://")), f"link to {value!r}"
            if name == "style":
                assert "url(" not in (value or "") and "@import" not in (value or ""), "external resource in CSS"
        if tag == "meta":
            assert attrs.get("http-equiv", "").lower() != "refresh"
    return page


def visible_text(html: str) -> str:
    return "".join(parse(html).text)
