"""Sending mail: STARTTLS, SSL or plain, a login whose password comes only from NEWSMON_SMTP_PASSWORD,
and every failure as one line that never contains the password.

The servers are aiosmtpd on 127.0.0.1 with certificates from a throw-away CA (trustme), trusted by the
client through SSL_CERT_FILE exactly as a private CA would be in production.
"""

from __future__ import annotations

import logging
import ssl

import pytest
import trustme
from aiosmtpd.smtp import AuthResult
from loopback import RecordingHandler, free_port, start_smtp

from newsmon.config import SmtpSettings
from newsmon.errors import ConfigError, DeliveryError
from newsmon.pipeline.mailer import PASSWORD_ENV, SmtpSession, compose

PASSWORD = "s3cret-Pa55word"


def message():
    return compose(
        sender="newsmon@example.org", to=["analyst@example.org"], subject="Тест", text="текст", html="<p>текст</p>"
    )


class Logins:
    """An authenticator that accepts one user and records every attempt."""

    def __init__(self) -> None:
        self.attempts: list[tuple[str, str]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.attempts.append((login, password))
        return AuthResult(success=(login, password) == ("newsmon", PASSWORD), handled=False)


@pytest.fixture
def tls(tmp_path, monkeypatch):
    """A server certificate for 127.0.0.1, and the client trusting its CA."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    return server_context


@pytest.fixture
def starttls_server(tls):
    logins = Logins()
    controller, server = start_smtp(
        RecordingHandler(),
        tls_context=tls,
        require_starttls=True,
        auth_require_tls=True,
        authenticator=logins,
    )
    server.logins = logins
    yield server
    controller.stop()


def settings(port: int, **options) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, **{"timeout": 10, **options})


def test_starttls_and_login_with_the_password_from_the_environment(starttls_server, monkeypatch, caplog):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    caplog.set_level(logging.DEBUG)
    with SmtpSession(settings(starttls_server.port, security="starttls", username="newsmon")) as smtp:
        smtp.send(message())
    assert starttls_server.logins.attempts == [("newsmon", PASSWORD)]
    assert len(starttls_server.messages) == 1
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")]  # not the server's
    assert ours and not any(PASSWORD in line for line in ours)


def test_implicit_ssl(tls):
    controller, server = start_smtp(RecordingHandler(), ssl_context=tls)
    try:
        with SmtpSession(settings(server.port, security="ssl")) as smtp:
            smtp.send(message())
    finally:
        controller.stop()
    assert server.messages[0]["Subject"] == "Тест"


def test_a_wrong_password_is_one_line_that_does_not_repeat_it(starttls_server, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "wrong-" + PASSWORD)
    with pytest.raises(DeliveryError) as failure:
        with SmtpSession(settings(starttls_server.port, security="starttls", username="newsmon")):
            pass
    text = str(failure.value)
    assert text.startswith(f"SMTP 127.0.0.1:{starttls_server.port}: login as 'newsmon' refused: 535")
    assert "\n" not in text and PASSWORD not in text


def test_a_username_without_the_password_variable_is_a_config_error(monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with pytest.raises(ConfigError, match=PASSWORD_ENV):
        with SmtpSession(settings(free_port(), security="starttls", username="newsmon")):
            pass


def test_a_password_smtp_cannot_carry_is_a_config_error(monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "pässword")
    with pytest.raises(ConfigError, match="non-ASCII"):
        with SmtpSession(settings(free_port(), security="starttls", username="newsmon")):
            pass


def test_the_password_is_never_sent_unencrypted_to_another_host(monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with pytest.raises(ConfigError, match="unencrypted"):
        with SmtpSession(SmtpSettings(host="smtp.example.org", port=25, security="none", username="newsmon")):
            pass


def test_starttls_against_a_server_without_it_says_so(smtp_server):
    with pytest.raises(DeliveryError, match="check smtp.security"):
        with SmtpSession(settings(smtp_server.port, security="starttls")):
            pass


def test_an_untrusted_certificate_is_refused(starttls_server, monkeypatch, tmp_path):
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    monkeypatch.setenv("SSL_CERT_FILE", str(other_ca))
    with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED") as failure:
        with SmtpSession(settings(starttls_server.port, security="starttls")):
            pass
    assert "\n" not in str(failure.value)


def test_a_server_that_is_down_is_one_line(dead_port):
    with pytest.raises(DeliveryError) as failure:
        with SmtpSession(settings(dead_port)):
            pass
    assert str(failure.value).startswith(f"SMTP 127.0.0.1:{dead_port}: cannot connect: ")
    assert "\n" not in str(failure.value)
