"""Where the Kubernetes API is and how to authenticate: in-cluster, a kubeconfig, or explicit."""

from __future__ import annotations

import base64
import os
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from finscribe.errors import ConfigurationError

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")


@dataclass(frozen=True)
class KubeConfig:
    """Connection settings of one Kubernetes API server."""

    server: str
    token: str | None = field(default=None, repr=False)
    token_file: Path | None = None
    ca_file: Path | None = None
    client_cert_file: Path | None = None
    client_key_file: Path | None = None
    insecure: bool = False
    namespace: str = "default"

    def bearer_token(self) -> str | None:
        """The token, re-read from its file each time (projected tokens rotate)."""
        if self.token_file is not None and self.token_file.is_file():
            return self.token_file.read_text().strip()
        return self.token

    def ssl_context(self) -> ssl.SSLContext | bool:
        """False for plain http; else a context with the CA and client certificate."""
        if self.server.startswith("http://"):
            return False
        context = ssl.create_default_context(
            cafile=str(self.ca_file) if self.ca_file is not None else None
        )
        if self.insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if self.client_cert_file is not None:
            context.load_cert_chain(
                str(self.client_cert_file),
                str(self.client_key_file) if self.client_key_file is not None else None,
            )
        return context


def in_cluster() -> KubeConfig:
    host = os.environ.get("KUBERNETES_SERVICE_HOST")
    port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
    if not host or not (SERVICE_ACCOUNT_DIR / "token").is_file():
        raise ConfigurationError("not running in a Kubernetes pod (no service account token)")
    namespace_file = SERVICE_ACCOUNT_DIR / "namespace"
    return KubeConfig(
        server=f"https://{host}:{port}" if ":" not in host else f"https://[{host}]:{port}",
        token_file=SERVICE_ACCOUNT_DIR / "token",
        ca_file=SERVICE_ACCOUNT_DIR / "ca.crt",
        namespace=namespace_file.read_text().strip() if namespace_file.is_file() else "default",
    )


def _materialise(data: str, suffix: str) -> Path:
    """Write base64 kubeconfig data (CA, client cert/key) to a private temp file."""
    fd, name = tempfile.mkstemp(prefix="finscribe-kube-", suffix=suffix)
    with os.fdopen(fd, "wb") as handle:
        handle.write(base64.b64decode(data))
    return Path(name)


def _named(items: list[dict[str, Any]], name: str, what: str) -> dict[str, Any]:
    for item in items or []:
        if item.get("name") == name:
            body = item.get(what)
            return dict(body) if isinstance(body, dict) else {}
    raise ConfigurationError(f"kubeconfig has no {what} named {name!r}")


def from_kubeconfig(path: Path | None = None, context: str | None = None) -> KubeConfig:
    """Read a kubeconfig (KUBECONFIG or ~/.kube/config): server, CA, token or client cert.
    Exec and auth-provider plugins are not supported (use a token or a client certificate)."""
    if path is None:
        env = os.environ.get("KUBECONFIG", "")
        path = Path(env.split(os.pathsep)[0]) if env else Path.home() / ".kube" / "config"
    if not path.is_file():
        raise ConfigurationError(f"no kubeconfig at {path}")
    doc = yaml.safe_load(path.read_text()) or {}
    ctx_name = context or doc.get("current-context")
    if not ctx_name:
        raise ConfigurationError(f"kubeconfig {path} has no current-context")
    ctx = _named(doc.get("contexts", []), ctx_name, "context")
    cluster = _named(doc.get("clusters", []), str(ctx.get("cluster")), "cluster")
    user = _named(doc.get("users", []), str(ctx.get("user")), "user") if ctx.get("user") else {}
    if "server" not in cluster:
        raise ConfigurationError(f"kubeconfig cluster of context {ctx_name!r} has no server")
    if "exec" in user or "auth-provider" in user:
        raise ConfigurationError("kubeconfig exec/auth-provider credentials are not supported")

    def file_or_data(file_key: str, data_key: str, src: dict[str, Any], suffix: str) -> Path | None:
        if src.get(data_key):
            return _materialise(str(src[data_key]), suffix)
        return Path(str(src[file_key])).expanduser() if src.get(file_key) else None

    token_file = user.get("tokenFile")
    return KubeConfig(
        server=str(cluster["server"]).rstrip("/"),
        token=user.get("token"),
        token_file=Path(token_file) if token_file else None,
        ca_file=file_or_data(
            "certificate-authority", "certificate-authority-data", cluster, ".crt"
        ),
        client_cert_file=file_or_data(
            "client-certificate", "client-certificate-data", user, ".crt"
        ),
        client_key_file=file_or_data("client-key", "client-key-data", user, ".key"),
        insecure=bool(cluster.get("insecure-skip-tls-verify", False)),
        namespace=str(ctx.get("namespace") or "default"),
    )


def load(server: str | None = None) -> KubeConfig:
    """In-cluster when in a pod, else the kubeconfig; `server` alone: plain, no auth."""
    if server:
        return KubeConfig(server=server.rstrip("/"))
    if os.environ.get("KUBERNETES_SERVICE_HOST") and (SERVICE_ACCOUNT_DIR / "token").is_file():
        return in_cluster()
    return from_kubeconfig()
