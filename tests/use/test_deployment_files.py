"""The systemd unit the docs describe ships as a file, and it runs the daemon the way the docs say."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "contrib" / "newsmon.service"


def test_the_systemd_unit_runs_newsmon_run_and_stops_it_cleanly():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read_string(UNIT.read_text(encoding="utf-8"))
    service = unit["Service"]
    command = shlex.split(service["ExecStart"])
    assert command[0].endswith("/bin/newsmon") and command[-1] == "run" and "--config" in command
    assert service["KillMode"] == "mixed" and service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == "2"  # a fatal config does not restart in a loop
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_the_operations_page_points_at_the_unit_file():
    page = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert "contrib/newsmon.service" in page and "[Service]" not in page  # one copy of the unit: the file
