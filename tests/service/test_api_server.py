"""`finscribe serve --workers 2`: one SO_REUSEPORT listener per worker process, so a burst of
keep-alive connections is spread over the processes; a killed worker is replaced. A serving
process freezes what it holds once started (no long full collections later)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from finscribe.api.server import reuse_port_listener
from tests.service._stack import service_env, start_api

pytestmark = pytest.mark.slow

_LISTEN, _ESTABLISHED = "0A", "01"


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def _tcp_sockets(port: int, state: str) -> set[str]:
    """Inodes of the IPv4 TCP sockets on this local port in this state."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == state:
            found.add(fields[9])
    return found


def _listeners(pid: int, port: int) -> dict[int, set[str]]:
    """Each child of the supervisor `pid` listening on `port` -> its listening sockets (the
    other children, e.g. multiprocessing's resource tracker, are left out)."""
    listening = _tcp_sockets(port, _LISTEN)
    found = {child: _socket_inodes(child) & listening for child in _children(pid)}
    return {child: inodes for child, inodes in found.items() if inodes}


def _wait_two_listeners(pid: int, port: int, log: str) -> dict[int, set[str]]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        found = _listeners(pid, port)
        if len(found) == 2:
            return found
        time.sleep(0.2)
    raise AssertionError(f"two listening workers expected, got {_listeners(pid, port)}\n{log}")


def _health_on_new_connections(port: int, count: int) -> list[socket.socket]:
    """`count` connections opened at once, each answering GET /api/v1/health, kept open."""
    conns = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(count)]
    request = f"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    for conn in conns:
        conn.sendall(request)
    for conn in conns:
        assert conn.recv(65536).startswith(b"HTTP/1.1 200 "), "health did not answer 200"
    return conns


def test_reuse_port_listener_shares_the_port() -> None:
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    holder.bind(("127.0.0.1", 0))
    first = reuse_port_listener(holder, 16)
    second = reuse_port_listener(holder, 16)
    try:
        assert first.getsockname() == second.getsockname() == holder.getsockname()
        client = socket.create_connection(holder.getsockname(), timeout=5)
        client.close()
    finally:
        for s in (first, second, holder):
            s.close()


def test_two_workers_each_listen_and_share_connections(redis_url: str, tmp_path: Path) -> None:
    env = service_env(
        db_url=f"sqlite:///{tmp_path / 'api.db'}",
        redis_url=redis_url,
        storage_dir=tmp_path / "storage",
    )
    api, url = start_api(env, tmp_path, workers=2)
    port = int(url.rsplit(":", 1)[1])
    try:
        listeners = _wait_two_listeners(api.pid, port, api.log_tail())
        first, second = listeners.values()
        assert not first & second, "the workers share one listening socket"
        assert not _socket_inodes(api.pid) & _tcp_sockets(port, _LISTEN), "supervisor listens"

        conns = _health_on_new_connections(port, 32)
        try:
            established = _tcp_sockets(port, _ESTABLISHED)
            per_worker = {child: len(_socket_inodes(child) & established) for child in listeners}
            assert sum(per_worker.values()) == 32, per_worker
            # Hashed over two listeners: fewer than 4 of 32 on one is a 1-in-100000 event.
            assert min(per_worker.values()) >= 4, per_worker
        finally:
            for conn in conns:
                conn.close()

        victim = next(iter(listeners))
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 90
        while victim in _children(api.pid) or len(_listeners(api.pid, port)) < 2:
            assert time.monotonic() < deadline, api.log_tail()
            time.sleep(0.2)
        replaced = _wait_two_listeners(api.pid, port, api.log_tail())
        assert victim not in replaced
        for conn in _health_on_new_connections(port, 8):
            conn.close()
    finally:
        api.stop()


_FREEZE_PROBE = """
import asyncio, gc, sys
from finscribe.api.app import create_app
from finscribe.settings import load_settings

async def main(freeze):
    app = create_app(load_settings(), freeze_gc=freeze)
    async with app.lifespan():
        print(gc.get_freeze_count())

asyncio.run(main(sys.argv[1] == "freeze"))
"""


@pytest.mark.parametrize("mode", ["freeze", "plain"])
def test_serving_process_freezes_the_collector(redis_url: str, tmp_path: Path, mode: str) -> None:
    env = service_env(
        db_url=f"sqlite:///{tmp_path / 'api.db'}",
        redis_url=redis_url,
        storage_dir=tmp_path / "storage",
    )
    out = subprocess.run(
        [sys.executable, "-c", _FREEZE_PROBE, mode],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    frozen = int(out.stdout.split()[-1])
    if mode == "freeze":
        assert frozen > 10_000, out.stdout  # the modules, the app and its services
    else:
        assert frozen == 0, out.stdout
