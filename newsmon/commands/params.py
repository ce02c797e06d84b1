"""Command-line value types shared by several commands, each failing with one line that says what is wrong."""

from __future__ import annotations

import re
from datetime import date

import click

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


class IsoDate(click.ParamType):
    """A calendar date written YYYY-MM-DD; a well-formed date that does not exist (2025-02-30) says so."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx) -> date:
        if isinstance(value, date):
            return value
        text = str(value).strip()
        found = _ISO_DATE.fullmatch(text)
        if not found:
            self.fail(f"{text!r} is not a date: write it YYYY-MM-DD, e.g. 2025-02-14", param, ctx)
        try:
            return date(*(int(part) for part in found.groups()))
        except ValueError as exc:
            self.fail(f"{text!r} does not exist ({exc})", param, ctx)
