"""The SMTP password comes only from the environment (``NEWSMON_SMTP_PASSWORD``): a ``password`` key in
the config is refused, and the password never appears in what newsmon writes or shows (command
output with or without ``--verbose``, the daemon's log file, ``status``, the database, the config
written by ``init``), whether the mail server accepts the login or refuses it.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult

from installed import installed_days_ago
from loopback import CountingInbox, smtp_server
from newsmon.cli import cli
from newsmon.pipeline.db import connect
from newsmon.pipeline.mailer import PASSWORD_ENV

PASSWORD = "Tr0ub4dor&3-horse-battery"
FORMS = (
    PASSWORD,
    base64.b64encode(f"\0newsmon\0{PASSWORD}".encode()).decode(),
    base64.b64encode(PASSWORD.encode()).decode(),
)
"""The password as typed, inside an AUTH PLAIN exchange, and as AUTH LOGIN sends it."""


class Logins:
    def __init__(self, accept: bool) -> None:
        self.accept = accept
        self.attempts: list[tuple[str, str]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.attempts.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=self.accept, handled=False)


@pytest.fixture(params=[True, False], ids=["login-accepted", "login-refused"])
def auth_server(request):
    logins, inbox = Logins(accept=request.param), CountingInbox()
    with smtp_server(inbox, auth_require_tls=False, authenticator=logins) as port:
        yield port, logins, inbox


def write(folder: Path, port: int, *, slot: str = "08:00", extra: str = "") -> Path:
    path = folder / "newsmon.toml"
    path.write_text(
        textwrap.dedent(
            f"""\
            database = "news.db"

            [digest]
            to = ["desk@example.org"]
            at = "{slot}"
            timezone = "UTC"

            [smtp]
            host = "127.0.0.1"
            port = {port}
            username = "newsmon"
            from = "newsmon@example.org"
            timeout = 5

            [log]
            file = "newsmon.log"
            level = "DEBUG"

            [daemon]
            heartbeat = "1h"
            """
        )
        + extra,
        encoding="utf-8",
    )
    connect(folder / "news.db").close()
    return path


def assert_no_password(*texts: str) -> None:
    for text in texts:
        for form in FORMS:
            assert form not in text


def database_dump(path: Path) -> str:
    db = connect(path)
    try:
        return "\n".join(db.conn.iterdump())
    finally:
        db.close()


def test_a_password_in_the_config_is_refused_without_echoing_it(runner, write_config):
    path = write_config(f'[smtp]\nusername = "newsmon"\npassword = "{PASSWORD}"\n')
    result = runner.invoke(cli, ["--config", str(path), "status"])
    assert result.exit_code == 2
    assert "smtp.password: unknown key" in result.output and result.output.count("\n") == 1
    assert_no_password(result.output)


def test_init_writes_no_password_even_when_one_is_set(runner, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    result = runner.invoke(cli, ["--config", str(tmp_path / "newsmon.toml"), "init"])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "newsmon.toml").read_text(encoding="utf-8")
    assert_no_password(written, result.output)
    assert "NEWSMON_SMTP_PASSWORD" in written and "password =" not in written


@pytest.mark.parametrize("verbose", [[], ["--verbose"]], ids=["quiet", "verbose"])
def test_sending_with_the_password_from_the_environment_never_shows_it(auth_server, tmp_path, verbose):
    port, logins, inbox = auth_server
    config = write(tmp_path, port)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    env = {**os.environ, PASSWORD_ENV: PASSWORD}
    done = subprocess.run(
        [sys.executable, "-m", "newsmon", *verbose, "--config", str(config), "digest", "--date", yesterday, "--send"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert logins.attempts and set(logins.attempts) == {("newsmon", PASSWORD)}  # used, from the environment
    if logins.accept:
        assert done.returncode == 0 and len(inbox.snapshot()) == 1
    else:
        assert done.returncode == 1 and "login as 'newsmon' refused" in done.stderr
        if not verbose:
            assert done.stderr.count("\n") == 1
    status = subprocess.run(
        [sys.executable, "-m", "newsmon", *verbose, "--config", str(config), "status", "--json"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert_no_password(done.stdout, done.stderr, status.stdout, status.stderr, database_dump(tmp_path / "news.db"))
    assert_no_password(*(message.raw.decode("utf-8", "replace") for message in inbox.snapshot()))


def test_the_daemon_log_never_holds_the_password(auth_server, tmp_path):
    port, logins, _ = auth_server
    slot = (datetime.now(timezone.utc) - timedelta(minutes=2)).strftime("%H:%M")  # sent on start
    config = write(tmp_path, port, slot=slot)
    installed_days_ago(tmp_path / "news.db", 1)
    env = {**os.environ, PASSWORD_ENV: PASSWORD}
    daemon = subprocess.Popen(
        [sys.executable, "-m", "newsmon", "--verbose", "--config", str(config), "run"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        log = tmp_path / "newsmon.log"
        while time.monotonic() < deadline and not (log.exists() and "digest " in log.read_text() and (
            ": sent in" in log.read_text() or "not sent" in log.read_text())):
            time.sleep(0.2)
    finally:
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=30)
    assert logins.attempts and set(logins.attempts) == {("newsmon", PASSWORD)}
    text = log.read_text()
    assert ("sent in" in text) if logins.accept else ("login as 'newsmon' refused" in text)
    assert_no_password(text, output.decode("utf-8", "replace"))
