"""Composing and sending email: one SMTP connection per batch, and every failure as one line.

Delivery counts only once the server has accepted a message, so callers mark things sent after
``SmtpSession.send`` returns and never before. ``smtp.timeout`` bounds each read, which a server that
trickles a byte at a time never trips, so a whole session also has an overall deadline
(``smtp.deadline``): when it passes, a watchdog shuts the socket down and the blocked call fails.
The password comes only from the environment variable ``NEWSMON_SMTP_PASSWORD``; it is handed to
``smtplib`` and appears in no message, log or exception.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import smtplib
import socket
import ssl
import threading
import time
import weakref
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formatdate, make_msgid
from types import TracebackType

from newsmon.config import SmtpSettings
from newsmon.errors import ConfigError, DeliveryError

PASSWORD_ENV = "NEWSMON_SMTP_PASSWORD"


class _Policy(EmailPolicy):
    """The SMTP policy, but a non-ASCII subject is folded by ``email.header.Header``.

    Python before 3.13 drops the space between two encoded words when it folds a long header, so an
    Arabic headline would arrive with words run together; the older encoder keeps them.
    """

    def fold(self, name: str, value: str) -> str:
        if name.lower() == "subject" and not str(value).isascii():
            encoded = Header(str(value), "utf-8", header_name=name).encode(linesep=self.linesep)
            return f"{name}: {encoded}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() == "subject" and not str(value).isascii():
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)


# 7-bit transfer encodings (quoted-printable or base64) for every part, so Cyrillic and Arabic text
# survive any relay, also one that does not speak 8BITMIME.
POLICY = _Policy(linesep="\r\n", cte_type="7bit")
log = logging.getLogger(__name__)


def compose(
    *, sender: str, to: list[str], subject: str, text: str, html: str, message_id: str | None = None
) -> EmailMessage:
    """A multipart/alternative message: the text part first, the HTML part as the preferred one."""
    msg = EmailMessage(policy=POLICY)
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id or make_msgid(domain=_domain(sender))
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


def message_id(kind: str, key: str, sender: str) -> str:
    """A stable Message-ID, so a message that is ever delivered twice is recognisable as one."""
    return f"<newsmon.{kind}.{key}@{_domain(sender)}>"


def _domain(sender: str) -> str:
    return sender.rpartition("@")[2].strip(" >") or "newsmon.localhost"


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {' '.join(text.split())}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "every recipient refused: " + "; ".join(
            f"{rcpt} ({code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg})"
            for rcpt, (code, msg) in exc.recipients.items()
        )
    return " ".join(str(exc).split()) or type(exc).__name__


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Watchdog:
    """Shuts the session's socket down once the deadline passes, whatever smtplib is waiting for."""

    def __init__(self, seconds: float) -> None:
        self.seconds = max(0.0, seconds)
        self.expired = threading.Event()
        self.reason = ""
        self._smtp: smtplib.SMTP | None = None
        self._timer = threading.Timer(self.seconds, self.fire, ["deadline"])
        self._timer.daemon = True

    def watch(self, smtp: smtplib.SMTP) -> None:
        self._smtp = smtp
        _OPEN.add(self)
        self._timer.start()

    def fire(self, reason: str) -> None:
        self.reason = self.reason or reason
        self.expired.set()
        self.cut()

    def cut(self) -> None:
        """Shut the current socket down (smtplib swaps it for a TLS one after STARTTLS)."""
        sock = getattr(self._smtp, "sock", None)
        if sock is not None:
            try:  # the plain socket's shutdown, also under TLS: SSLSocket's would unwrap it mid-read
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self) -> None:
        self._timer.cancel()
        _OPEN.discard(self)


_OPEN: weakref.WeakSet[_Watchdog] = weakref.WeakSet()


def stop_all_sessions() -> None:
    """Cut every SMTP session of this process now (the daemon is stopping): each fails at once with a
    line that says so, and what it had not sent stays pending."""
    for watchdog in list(_OPEN):
        watchdog.fire("stopping")


def _guarded(base: type[smtplib.SMTP]) -> type[smtplib.SMTP]:
    """``base`` with a socket that is cut at once if the deadline passed while it was being opened."""

    class Guarded(base):  # type: ignore[misc, valid-type]
        watchdog: _Watchdog

        def _get_socket(self, host, port, timeout):  # noqa: ANN001, ANN202 - smtplib's own signature
            sock = super()._get_socket(host, port, timeout)
            if self.watchdog.expired.is_set():
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            return sock

    return Guarded


_GuardedSMTP = _guarded(smtplib.SMTP)
_GuardedSMTP_SSL = _guarded(smtplib.SMTP_SSL)


class SmtpSession:
    """One SMTP connection for a batch of messages: ``with SmtpSession(settings) as smtp: smtp.send(msg)``.

    Opening it connects, secures (STARTTLS or SSL) and logs in; a failure there is a ``DeliveryError``
    naming the server. ``send`` raises ``DeliveryError`` when the server refuses a message; the
    connection stays usable for the next one unless ``broken`` is set. The whole session, from
    connecting to QUIT, ends by ``deadline`` seconds (default ``smtp.deadline``); past it every call
    fails with a ``DeliveryError`` that says so.
    """

    def __init__(self, settings: SmtpSettings, *, password: str | None = None, deadline: float | None = None) -> None:
        self.settings = settings
        self._password = password if password is not None else os.environ.get(PASSWORD_ENV)
        self._smtp: smtplib.SMTP | None = None
        self.broken = False
        self.where = f"SMTP {settings.host}:{settings.port}"
        self.deadline = settings.deadline if deadline is None else deadline
        self._watchdog = _Watchdog(self.deadline)
        self._began = time.monotonic()

    def _failure(self, what: str, exc: BaseException) -> str:
        """One line for a failed call; a cut by the watchdog is told as the deadline it is."""
        if self._watchdog.reason == "stopping":
            return f"{self.where}: stopped before the server answered (newsmon is shutting down)"
        if self._watchdog.expired.is_set():
            spent = time.monotonic() - self._began
            limit = self.settings.deadline
            return f"{self.where}: gave up after {spent:.0f}s: the session passed smtp.deadline ({limit:g}s)"
        return f"{self.where}: {what}: {_one_line(exc)}"

    def __enter__(self) -> SmtpSession:
        s = self.settings
        if s.username and not self._password:
            raise ConfigError(f"smtp.username is set but the environment variable {PASSWORD_ENV} is empty")
        if s.username and not (self._password or "").isascii():
            raise ConfigError(f"{PASSWORD_ENV} holds non-ASCII characters, which SMTP AUTH cannot send")
        if s.username and s.security == "none" and not _is_loopback(s.host):
            raise ConfigError(
                f"smtp.security is 'none': refusing to send the password to {s.host} unencrypted (use starttls or ssl)"
            )
        context = ssl.create_default_context()
        timeout = max(0.1, min(s.timeout, self.deadline))
        try:
            if s.security == "ssl":
                self._smtp = _GuardedSMTP_SSL(timeout=timeout, context=context)
            else:
                self._smtp = _GuardedSMTP(timeout=timeout)
            self._smtp.watchdog = self._watchdog
            self._smtp._host = s.host  # the TLS server name; smtplib sets it only when given a host at once
            self._watchdog.watch(self._smtp)
            self._smtp.connect(s.host, s.port)
            if s.security == "starttls":
                self._smtp.starttls(context=context)
            if s.username:
                self._smtp.login(s.username, self._password or "")
        except smtplib.SMTPAuthenticationError as exc:
            self._close()
            raise DeliveryError(f"{self.where}: login as {s.username!r} refused: {_one_line(exc)}") from None
        except smtplib.SMTPNotSupportedError as exc:
            self._close()
            raise DeliveryError(f"{self.where}: {_one_line(exc)} (check smtp.security)") from None
        except OSError as exc:  # smtplib's errors, SSL errors and timeouts are all OSErrors
            self._close()
            raise DeliveryError(self._failure("cannot connect", exc)) from None
        log.debug("connected to %s (%s)", self.where, s.security)
        return self

    def send(self, msg: EmailMessage) -> None:
        """Hand one message to the server; returns only once the server accepted it."""
        if self._smtp is None or self.broken:
            raise DeliveryError(f"{self.where}: connection lost")
        try:
            refused = self._smtp.send_message(msg)
        except smtplib.SMTPServerDisconnected as exc:
            self.broken = True
            raise DeliveryError(self._failure("connection lost while sending", exc)) from None
        except smtplib.SMTPException as exc:  # a subclass of OSError: the server answered, and said no
            self.broken = getattr(exc, "smtp_code", None) == 421
            raise DeliveryError(f"{self.where}: message refused: {_one_line(exc)}") from None
        except OSError as exc:
            self.broken = True
            raise DeliveryError(self._failure("connection lost while sending", exc)) from None
        if refused:
            log.warning("%s: some recipients refused: %s", self.where, ", ".join(sorted(refused)))

    def _close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None
        self._watchdog.stop()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._close()
