"""A local Triton server from the nvidia-pytriton wheel: for tests, benchmarks and development.

The wheel carries a real ``tritonserver`` binary with only the Python backend. Before first use
the Python-backend stub for this interpreter's version must sit in ``backends/python``
(:func:`install_python_stub`, idempotent). The Python-backend models import numpy and
onnxruntime from the stub's environment, which they only find when this interpreter's ``bin``
folder is first on ``PATH``; :class:`LocalTriton` sets that up and binds every port to loopback.
Production runs the NGC container instead (see docs/triton.md).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from finscribe.errors import ConfigurationError, InferenceUnavailableError

#: Seconds to wait for the server to report ready (it needs about 2.5 s plus model loads).
DEFAULT_START_TIMEOUT_S = 60.0


def tritonserver_home() -> Path:
    """The ``tritonserver`` folder inside the installed nvidia-pytriton wheel."""
    spec = importlib.util.find_spec("pytriton")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError(
            "nvidia-pytriton is not installed: `pip install -e '.[dev]'` brings its tritonserver"
        )
    home = Path(next(iter(spec.submodule_search_locations))) / "tritonserver"
    if not (home / "bin" / "tritonserver").is_file():
        raise ConfigurationError(f"no tritonserver binary under {home}")
    return home


def install_python_stub(home: Path) -> Path:
    """Copy the Python-backend stub for this interpreter into ``backends/python`` if needed."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    source = home / "python_backend_stubs" / version / "triton_python_backend_stub"
    if not source.is_file():
        raise ConfigurationError(f"the pytriton wheel has no Python-backend stub for {version}")
    target = home / "backends" / "python" / "triton_python_backend_stub"
    if target.is_file() and target.read_bytes() == source.read_bytes():
        return target
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    shutil.copy2(source, partial)
    partial.replace(target)
    return target


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalTriton:
    """One ``tritonserver`` process on loopback serving ``repo``; a context manager."""

    def __init__(
        self,
        repo: Path,
        *,
        http_port: int | None = None,
        grpc_port: int | None = None,
        metrics_port: int | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.repo = repo.resolve()
        self.http_port = http_port or free_port()
        self.grpc_port = grpc_port or free_port()
        self.metrics_port = metrics_port or free_port()
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._log: object | None = None

    @property
    def grpc_url(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

    def command(self, home: Path) -> list[str]:
        return [
            str(home / "bin" / "tritonserver"),
            f"--model-repository={self.repo}",
            f"--backend-directory={home / 'backends'}",
            "--http-address=127.0.0.1",
            f"--http-port={self.http_port}",
            "--grpc-address=127.0.0.1",
            f"--grpc-port={self.grpc_port}",
            "--metrics-address=127.0.0.1",
            f"--metrics-port={self.metrics_port}",
            "--allow-metrics=true",
            "--exit-on-error=true",
            "--log-verbose=0",
        ]

    def start(self, timeout_s: float = DEFAULT_START_TIMEOUT_S) -> LocalTriton:
        home = tritonserver_home()
        install_python_stub(home)
        env = dict(os.environ)
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        output = subprocess.DEVNULL if self.log_path is None else self.log_path.open("wb")
        self._log = output
        self._process = subprocess.Popen(
            self.command(home),
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready(timeout_s)
        return self

    def wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise InferenceUnavailableError(
                    f"tritonserver exited with {self._process.returncode} while loading "
                    f"{self.repo} (log: {self.log_path or 'not kept'})"
                )
            try:
                url = f"{self.http_url}/v2/health/ready"  # http://127.0.0.1 only
                with urllib.request.urlopen(url, timeout=1) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        raise InferenceUnavailableError(
            f"tritonserver on {self.grpc_url} was not ready within {timeout_s:.0f} s"
        )

    def stop(self, timeout_s: float = 15.0) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self._log is not None and hasattr(self._log, "close"):
            with contextlib.suppress(OSError):
                self._log.close()
            self._log = None

    def __enter__(self) -> LocalTriton:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--repo", type=Path, default=Path("model_repository"))
    parser.add_argument("--grpc-port", type=int, default=8001)
    parser.add_argument("--http-port", type=int, default=8000)
    parser.add_argument("--metrics-port", type=int, default=8002)
    args = parser.parse_args(argv)
    server = LocalTriton(
        args.repo,
        http_port=args.http_port,
        grpc_port=args.grpc_port,
        metrics_port=args.metrics_port,
    )
    with server:
        print(
            f"tritonserver ready: grpc {server.grpc_url}, "
            f"metrics {server.metrics_url}; Ctrl-C stops"
        )
        with contextlib.suppress(KeyboardInterrupt):
            while server._process is not None and server._process.poll() is None:
                time.sleep(1)


if __name__ == "__main__":
    main()
