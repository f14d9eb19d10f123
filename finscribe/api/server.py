"""Runs the API under uvicorn; with several processes, each listens on its own SO_REUSEPORT socket.

uvicorn's own multi-process mode shares one listening socket: every process wakes on a new
connection and the first one accepts every connection waiting (uvloop accepts until the
backlog is empty), so a burst of keep-alive connections lands on one process while the
others idle. Here uvicorn's supervisor (health checks, restarts, signals) is kept, but each
worker process opens its own listening socket on the same address with SO_REUSEPORT, and
the kernel spreads new connections over the processes. The supervisor only holds the port
(bound, never listening, so no connection is queued on it).
"""

from __future__ import annotations

import socket
import sys
from typing import Any

import uvicorn
from uvicorn.supervisors import multiprocess

__all__ = ["reuse_port_listener", "run"]


def _reuse_port_socket(family: socket.AddressFamily) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    return sock


def _holder(host: str, port: int) -> socket.socket:
    """The supervisor's socket: bound with SO_REUSEPORT (the port is taken, a bind error
    shows at start), not listening."""
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = _reuse_port_socket(family)
    try:
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def reuse_port_listener(holder: socket.socket, backlog: int) -> socket.socket:
    """A worker's own listening socket on the holder's address (SO_REUSEPORT group)."""
    sock = _reuse_port_socket(holder.family)
    sock.bind(holder.getsockname())
    sock.listen(backlog)
    return sock


class _ReusePortProcess(multiprocess.Process):
    """uvicorn's worker process, serving on its own listener instead of the shared socket."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # pragma: no cover
        own = [reuse_port_listener(s, self.config.backlog) for s in sockets or []]
        for inherited in sockets or []:
            inherited.close()
        super().target(own)


def run(app: str, *, host: str, port: int, workers: int, **options: Any) -> None:
    """`uvicorn.run(app, ...)`; with workers > 1 (on systems with SO_REUSEPORT), one
    listening socket per process under uvicorn's supervisor."""
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT") or sys.platform == "win32":
        uvicorn.run(app, host=host, port=port, workers=workers, **options)
        return
    config = uvicorn.Config(app, host=host, port=port, workers=workers, **options)
    holder = _holder(host, port)
    # uvicorn's supervisor makes its worker processes from this module attribute.
    shared_process = multiprocess.Process
    multiprocess.Process = _ReusePortProcess  # type: ignore[misc]
    try:
        multiprocess.Multiprocess(config, sockets=[holder]).run()
    finally:
        multiprocess.Process = shared_process  # type: ignore[misc]
        holder.close()
