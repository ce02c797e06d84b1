"""Each decision lives in one place, and every command and config key is documented."""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from newsmon import config as config_module
from newsmon.cli import cli
from newsmon.spiders import SPIDERS, spider_class
from newsmon.spiders.base import SourceSpider

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_registered_source_type_names_a_spider():
    for source_type in SPIDERS:
        assert issubclass(spider_class(source_type), SourceSpider)


def test_the_config_accepts_exactly_the_registered_source_types(tmp_path):
    path = tmp_path / "newsmon.toml"
    for source_type in SPIDERS:
        path.write_text(f'[[sources]]\nname = "s"\ntype = "{source_type}"\nurl = "https://example.org/"\n'
                        'query = "q"\nlinks = "a"\n')
        assert config_module.load_config(path).sources[0].type == source_type
    path.write_text('[[sources]]\nname = "s"\ntype = "podcast"\nurl = "https://example.org/"\n')
    with pytest.raises(config_module.ConfigError, match="unknown source type 'podcast'"):
        config_module.load_config(path)


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield prefix + (name,)
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


@pytest.mark.parametrize("path", list(_commands(cli)), ids=" ".join)
def test_every_command_has_help(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert len(result.output.splitlines()) > 3


def _keys(cls: type, prefix: str) -> typing.Iterator[str]:
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name == "path":
            continue
        key = f.name.rstrip("_")
        tp = hints[f.name]
        inner = typing.get_args(tp)[0] if typing.get_origin(tp) is list else tp
        if dataclasses.is_dataclass(inner):
            yield from _keys(inner, f"[[{key}]] " if inner is not tp else f"[{key}] ")
        else:
            yield prefix + key


def test_every_config_key_is_in_the_configuration_page():
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([^`]+)`", page, flags=re.M))
    missing = [key for key in _keys(config_module.Config, "") if key not in documented]
    assert not missing, f"not in docs/configuration.md: {missing}"
