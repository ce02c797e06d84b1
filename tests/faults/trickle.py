"""An SMTP server on loopback that never finishes its greeting: it sends one byte of an endless
multi-line ``220-`` banner every ``interval`` seconds, so a per-read timeout never trips. Given a TLS
context, it speaks implicit TLS first (as for ``smtp.security = "ssl"``)."""

from __future__ import annotations

import socket
import ssl
import threading
import time

from loopback import free_port

BANNER = b"220-trickle.example ESMTP, almost ready\r\n"


class TricklingSmtp:
    """``with TricklingSmtp() as server:`` serves on ``server.port``; ``connections`` counts clients
    and ``open`` how many are connected right now."""

    def __init__(self, interval: float = 0.5, tls: ssl.SSLContext | None = None) -> None:
        self.interval = interval
        self.tls = tls
        self.port = free_port()
        self.connections = 0
        self.open = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.2)

    def __enter__(self) -> TricklingSmtp:
        threading.Thread(target=self._accept, name="trickle", daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self.connections += 1
                self.open += 1
            threading.Thread(target=self._trickle, args=(client,), daemon=True).start()

    def _trickle(self, client: socket.socket) -> None:
        try:
            if self.tls is not None:
                client = self.tls.wrap_socket(client, server_side=True)
            with client:
                while not self._stop.is_set():
                    for byte in BANNER:
                        client.sendall(bytes([byte]))
                        time.sleep(self.interval)
                        if self._stop.is_set():
                            return
        except OSError:
            pass
        finally:
            with self._lock:
                self.open -= 1
