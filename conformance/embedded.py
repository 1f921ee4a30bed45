"""Run the reference implementation on a loopback port inside this process.

The suite always talks HTTP, even to the embedded reference: the same bytes cross the same client
stack as against a vendor's server, so vcrpy can record them and verdicts cannot depend on the target kind.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import uvicorn

from conformance.reference import create_app
from conformance.reference.events import Emitter, load_private_key

#: A documented cursor may be 16000 characters, percent-encoded up to 9 bytes each: more than h11's 16 KiB
#: default for a request head, which would answer a bare text/plain 400 before the application sees it.
MAX_REQUEST_HEAD = 1024 * 1024


class EmbeddedServer:
    def __init__(self, faults: Iterable[str] = (), db: str = ":memory:", deterministic: bool = False,
                 host: str = "127.0.0.1", port: int = 0, webhook_urls: Iterable[str] = (),
                 webhook_private_key: bytes | None = None, deliver_while: Callable[[], bool] | None = None):
        urls = list(webhook_urls)
        self.events: Emitter | None = None
        if urls:
            self.events = (Emitter(urls, load_private_key(webhook_private_key)) if webhook_private_key
                           else Emitter(urls))
            self.events.deliver_while = deliver_while
        self.app = create_app(db=db, faults=faults, deterministic=deterministic, events=self.events)
        self.host = host
        # Bound here and handed to uvicorn: a port picked now and bound later could be taken in between by
        # another run on the same machine (two runs at once picked the same free port under load).
        self._socket = bound_socket(host, port)
        self.port = int(self._socket.getsockname()[1])
        config = uvicorn.Config(self.app, host=self.host, port=self.port, log_level="error", access_log=False,
                                lifespan="off", h11_max_incomplete_event_size=MAX_REQUEST_HEAD)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name="conformance-reference", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> EmbeddedServer:
        if self.events is not None:
            self.events.start()
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the embedded reference server did not start")
            time.sleep(0.01)
        return self

    def stop(self, wait: bool = True) -> None:
        """Stop serving. uvicorn winds down in about 0.2 s of fixed sleeps (its 0.1 s tick, then 0.1 s for
        connections to close) and closes the socket itself; `wait=False` leaves that to its daemon thread, for
        a caller that sends nothing more to this server (a test's fresh instance, the end of a run)."""
        self._server.should_exit = True
        if self.events is not None:
            self.events.close()
        if wait:
            self._thread.join(timeout=5)
            self._socket.close()


@contextmanager
def running_reference(faults: Iterable[str] = (), deterministic: bool = False) -> Iterator[EmbeddedServer]:
    server = EmbeddedServer(faults=faults, deterministic=deterministic).start()
    try:
        yield server
    finally:
        server.stop()


def bound_socket(host: str, port: int = 0) -> socket.socket:
    """A TCP socket bound to HOST:PORT (PORT 0: a free one), ready to listen; the caller keeps it open."""
    # IPPROTO_TCP spelled out: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say so, and with Nagle
    # on every small answer waits for a delayed ACK (about 40 ms a request on loopback).
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
