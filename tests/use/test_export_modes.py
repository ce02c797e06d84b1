"""`newsmon export -o FILE` writes a file others can read when the umask allows it: a feed can be published."""

from __future__ import annotations

import os
import stat

import pytest

from newsmon.cli import cli


@pytest.fixture
def umask():
    """Set the process umask for one test and put the old one back."""
    old = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(old)


def mode_of(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_export_honours_the_umask(runner, seeded, tmp_path, umask):
    for mask, expected in ((0o022, 0o644), (0o027, 0o640), (0o077, 0o600)):
        umask(mask)
        target = tmp_path / f"feed-{mask:o}.xml"
        result = runner.invoke(cli, ["--config", str(seeded), "export", "--format", "atom", "-o", str(target)])
        assert result.exit_code == 0, result.output
        assert mode_of(target) == expected


def test_rewriting_an_export_keeps_the_files_mode_and_leaves_no_temporary_file(runner, seeded, tmp_path, umask):
    umask(0o077)
    target = tmp_path / "public" / "matches.csv"
    target.parent.mkdir()
    target.write_text("old\n")
    target.chmod(0o664)
    result = runner.invoke(cli, ["--config", str(seeded), "export", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert mode_of(target) == 0o664
    assert target.read_text(encoding="utf-8-sig").startswith("created_at,")
    assert [p.name for p in target.parent.iterdir()] == ["matches.csv"]
