"""A forwarding proxy on loopback for the project's tests: counts what passes, can hold DELETEs (slow
clean-up) and can answer instead of the upstream (rate limits at chosen points of a run)."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import requests

#: status, headers, body
Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Proxy:
    """Forwards to `upstream`; `hold_deletes` seconds before a DELETE goes on (0: none); `intercept(n, method,
    path)` may answer the n-th request (1-based) itself."""

    upstream: str
    hold_deletes: float = 0.0
    tag: str = ""
    intercept: Callable[[int, str, str], Answer | None] | None = None
    requests: int = 0
    deletes_held: int = 0
    tagged_creates: int = 0
    intercepted: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def proxy_to(state: Proxy) -> Iterator[str]:
    session = requests.Session()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            with state.lock:
                state.requests += 1
                number = state.requests
            own = state.intercept(number, self.command, self.path) if state.intercept else None
            if own is not None:
                with state.lock:
                    state.intercepted += 1
                self._send(*own)
                return
            if self.command == "DELETE" and state.hold_deletes:
                with state.lock:
                    state.deletes_held += 1
                time.sleep(state.hold_deletes)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            answer = session.request(self.command, state.upstream + self.path, data=body, headers=headers, timeout=30)
            if self.command == "POST" and answer.status_code == 200 and state.tag and state.tag in answer.text:
                with state.lock:
                    state.tagged_creates += 1
            self._send(answer.status_code, {"Content-Type": answer.headers.get("Content-Type", "application/json")},
                       answer.content)

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward

        def log_message(self, *args: object) -> None:
            pass

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a client that hangs up (an interrupted run) is not the test's business

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
