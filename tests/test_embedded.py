"""The embedded reference as a server: it owns its port from the start, and answers without Nagle's delay."""

from __future__ import annotations

import socket

import requests

from conformance.embedded import EmbeddedServer


def test_the_reference_keeps_its_port_and_turns_nagle_off() -> None:
    server = EmbeddedServer().start()
    try:
        with socket.socket() as other:  # the port is bound for good: nobody else can take it meanwhile
            try:
                other.bind(("127.0.0.1", server.port))
                taken = False
            except OSError:
                taken = True
        assert taken
        session = requests.Session()
        answer = session.get(f"{server.base_url}/loyalty-tiers/v1/tiers", headers={"Authorization": "x"}, timeout=10)
        assert answer.status_code == 200
        # asyncio sets TCP_NODELAY only on sockets created with IPPROTO_TCP; without it each small answer
        # waited for a delayed ACK (40 ms a request on loopback, minutes over a run)
        listening = [s for s in _server_sockets(server) if s.getsockname()[1] == server.port]
        assert listening and all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in listening)
    finally:
        server.stop()


def _server_sockets(server: EmbeddedServer) -> list[socket.socket]:
    """The listening sockets (accepted connections inherit TCP_NODELAY from them on Linux)."""
    found = []
    for running in server._server.servers:
        found.extend(running.sockets)
    found.append(server._socket)
    return found
