"""The Helm chart: lint, render (defaults and every optional part on), validate, and check
what matters in the output (RBAC, securityContext, probes, autoscaling, hooks).

Uses the real static `helm` binary (`make tools` puts it in .tools/bin) and the
`kubernetes-validate` command (bundled Kubernetes OpenAPI schemas, offline). Custom resources
(KEDA, Prometheus operator) have no bundled schema: kubernetes-validate warns about them, and
the tests here check their shape instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from finscribe.settings import OcrSettings

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "finscribe"
ALL_ON = Path(__file__).with_name("values-all-on.yaml")
KIND = ROOT / "charts" / "kind" / "values.yaml"
CUSTOM_KINDS = {"ScaledObject", "TriggerAuthentication", "ServiceMonitor", "PrometheusRule"}


def _find_tool(name: str) -> str | None:
    local = ROOT / ".tools" / "bin" / name
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    return shutil.which(name)


HELM = _find_tool("helm")
pytestmark = pytest.mark.skipif(
    HELM is None, reason="helm binary missing: run `make tools` (installs .tools/bin/helm)"
)


@pytest.fixture(scope="module")
def helm_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("helm-home")
    env = dict(os.environ)
    env.update(
        HELM_CACHE_HOME=str(home / "cache"),
        HELM_CONFIG_HOME=str(home / "config"),
        HELM_DATA_HOME=str(home / "data"),
    )
    return env


def _helm(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    assert HELM is not None
    return subprocess.run(
        [HELM, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _render(env: dict[str, str], *extra: str) -> tuple[str, list[dict[str, Any]]]:
    proc = _helm(
        env,
        "template",
        "fs",
        str(CHART),
        "--namespace",
        "finscribe",
        "--include-crds",
        *extra,
    )
    assert proc.returncode == 0, proc.stderr
    docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
    return proc.stdout, docs


@pytest.fixture(scope="module")
def default_render(helm_env: dict[str, str]) -> tuple[str, list[dict[str, Any]]]:
    return _render(helm_env)


@pytest.fixture(scope="module")
def all_on_render(helm_env: dict[str, str]) -> tuple[str, list[dict[str, Any]]]:
    return _render(helm_env, "-f", str(ALL_ON))


def _by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def _one(docs: list[dict[str, Any]], kind: str, name_suffix: str) -> dict[str, Any]:
    found = [d for d in _by_kind(docs, kind) if d["metadata"]["name"].endswith(name_suffix)]
    assert len(found) == 1, f"{kind} *{name_suffix}: {[d['metadata']['name'] for d in found]}"
    return found[0]


def _containers(deploy: dict[str, Any]) -> list[dict[str, Any]]:
    spec = deploy["spec"]["template"]["spec"]
    return list(spec.get("initContainers", [])) + list(spec["containers"])


# --- lint and validate ------------------------------------------------------------------


@pytest.mark.parametrize("values", [None, ALL_ON, KIND], ids=["defaults", "all-on", "kind"])
def test_helm_lint_strict(helm_env: dict[str, str], values: Path | None) -> None:
    args = ["lint", "--strict", str(CHART)] + (["-f", str(values)] if values else [])
    proc = _helm(helm_env, *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 chart(s) failed" in proc.stdout


@pytest.mark.parametrize("which", ["default_render", "all_on_render"])
def test_rendered_manifests_validate_strict(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    text, docs = request.getfixturevalue(which)
    manifest = tmp_path / "rendered.yaml"
    manifest.write_text(text)
    proc = subprocess.run(
        [sys.executable, "-m", "kubernetes_validate", "--strict", str(manifest)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "ERROR" not in out
    passed = [line for line in out.splitlines() if " passed for resource " in line]
    warned = [line for line in out.splitlines() if line.startswith("WARN")]
    builtin = [d for d in docs if d["kind"] not in CUSTOM_KINDS]
    assert len(passed) == len(builtin), out
    # Only the custom resources of KEDA / the Prometheus operator lack a bundled schema.
    for line in warned:
        assert any(f"kind {k} " in line for k in CUSTOM_KINDS), line
    assert len(warned) == len(docs) - len(builtin)


def test_values_schema_rejects_bad_values(helm_env: dict[str, str]) -> None:
    bad = _helm(helm_env, "template", "fs", str(CHART), "--set", "config.submitMode=queue")
    assert bad.returncode != 0
    assert "submitMode" in bad.stderr
    unknown = _helm(helm_env, "template", "fs", str(CHART), "--set", "wrokers.replicas=3")
    assert unknown.returncode != 0
    assert "wrokers" in unknown.stderr


def test_chart_crd_is_the_repository_crd() -> None:
    assert (CHART / "crds" / "documentjob.yaml").read_text() == (
        ROOT / "crds" / "documentjob.yaml"
    ).read_text()


def test_values_schema_is_json() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    assert schema["additionalProperties"] is False


# --- defaults ---------------------------------------------------------------------------


def test_defaults_render_core_components_only(default_render: Any) -> None:
    _, docs = default_render
    deployments = {d["metadata"]["name"] for d in _by_kind(docs, "Deployment")}
    assert deployments == {"fs-finscribe-api", "fs-finscribe-worker", "fs-finscribe-operator"}
    kinds = {d["kind"] for d in docs}
    assert not kinds & (CUSTOM_KINDS | {"NetworkPolicy"})
    hpa = _one(docs, "HorizontalPodAutoscaler", "-worker")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "fs-finscribe-worker"
    # The HPA owns the replica count: the Deployment must not fight it.
    assert "replicas" not in _one(docs, "Deployment", "-worker")["spec"]
    assert _one(docs, "CustomResourceDefinition", "documentjobs.finscribe.io")


@pytest.mark.parametrize("which", ["default_render", "all_on_render"])
def test_every_pod_is_non_root_with_read_only_root(
    which: str, request: pytest.FixtureRequest
) -> None:
    _, docs = request.getfixturevalue(which)
    pods = [d["spec"]["template"] for d in docs if d["kind"] in {"Deployment", "Job"}]
    assert pods
    for pod in pods:
        psc = pod["spec"]["securityContext"]
        assert psc["runAsNonRoot"] is True
        assert psc["runAsUser"] != 0
        assert psc["seccompProfile"]["type"] == "RuntimeDefault"
        containers = pod["spec"].get("initContainers", []) + pod["spec"]["containers"]
        for c in containers:
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True, c["name"]
            assert sc["allowPrivilegeEscalation"] is False, c["name"]
            assert sc["capabilities"]["drop"] == ["ALL"], c["name"]
            assert c["resources"]["limits"], c["name"]
            # A read-only root needs somewhere writable for temp files.
            assert any(m["mountPath"] == "/tmp" for m in c.get("volumeMounts", [])), c["name"]


def test_probes(default_render: Any) -> None:
    _, docs = default_render
    api = _one(docs, "Deployment", "-api")["spec"]["template"]["spec"]["containers"][0]
    assert api["livenessProbe"]["httpGet"]["path"] == "/api/v1/health"
    assert api["readinessProbe"]["httpGet"]["path"] == "/api/v1/ready"
    assert api["livenessProbe"]["httpGet"]["port"] == "http"
    assert api["args"][0] == "serve"
    op = _one(docs, "Deployment", "-operator")
    opc = op["spec"]["template"]["spec"]["containers"][0]
    assert opc["args"] == ["operator"]
    assert opc["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert op["spec"]["strategy"]["type"] == "Recreate"
    worker = _one(docs, "Deployment", "-worker")["spec"]["template"]["spec"]
    assert worker["containers"][0]["args"] == ["worker"]
    assert worker["containers"][0]["livenessProbe"]["httpGet"]["port"] == "metrics"
    assert worker["terminationGracePeriodSeconds"] > 600  # longer than the job timeout


def test_connection_settings_come_from_secrets(default_render: Any, all_on_render: Any) -> None:
    _, docs = default_render
    env = {
        e["name"]: e
        for e in _one(docs, "Deployment", "-worker")["spec"]["template"]["spec"]["containers"][0][
            "env"
        ]
    }
    for name in ("FINSCRIBE_DB_URL", "FINSCRIBE_REDIS_URL", "FINSCRIBE_STORAGE_SECRET_KEY"):
        assert env[name]["valueFrom"]["secretKeyRef"]["name"] == "fs-finscribe-secrets"
        assert "value" not in env[name]
    _, docs_on = all_on_render
    env_on = {
        e["name"]: e
        for e in _one(docs_on, "Deployment", "-api")["spec"]["template"]["spec"]["containers"][0][
            "env"
        ]
    }
    assert env_on["FINSCRIBE_DB_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "finscribe-postgres",
        "key": "database-url",
    }
    assert env_on["FINSCRIBE_REDIS_URL"]["valueFrom"]["secretKeyRef"]["name"] == "finscribe-redis"
    # Every connection comes from an existing Secret: the chart makes none of its own.
    secrets = [s["metadata"]["name"] for s in _by_kind(docs_on, "Secret")]
    assert not [name for name in secrets if name.endswith("-secrets")]


def test_migrations_job_is_a_pre_install_and_pre_upgrade_hook(default_render: Any) -> None:
    _, docs = default_render
    job = _one(docs, "Job", "-migrate-1")
    hooks = set(job["metadata"]["annotations"]["helm.sh/hook"].split(","))
    assert hooks == {"pre-install", "pre-upgrade"}
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["migrate"]
    db = next(e for e in container["env"] if e["name"] == "FINSCRIBE_DB_URL")
    secret = _one(docs, "Secret", "-migrate")
    assert db["valueFrom"]["secretKeyRef"]["name"] == secret["metadata"]["name"]
    # The hook's Secret is created before the Job that reads it.
    assert int(secret["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(
        job["metadata"]["annotations"]["helm.sh/hook-weight"]
    )


# --- RBAC -------------------------------------------------------------------------------


def _rules(docs: list[dict[str, Any]], component: str) -> list[dict[str, Any]]:
    roles = [
        d
        for d in docs
        if d["kind"] in {"ClusterRole", "Role"}
        and d["metadata"]["labels"]["app.kubernetes.io/component"] == component
    ]
    return [r for role in roles for r in role["rules"]]


def _grants(rules: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {
        (group, resource, verb)
        for r in rules
        for group in r["apiGroups"]
        for resource in r["resources"]
        for verb in r["verbs"]
    }


def test_api_rbac_only_creates_and_reads_documentjobs(default_render: Any) -> None:
    _, docs = default_render
    grants = _grants(_rules(docs, "api"))
    assert grants == {
        ("finscribe.io", "documentjobs", v) for v in ("create", "get", "list", "watch")
    }
    binding = _one(docs, "ClusterRoleBinding", "-api")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "fs-finscribe-api", "namespace": "finscribe"}
    ]


def test_operator_rbac_is_least_privilege(default_render: Any, all_on_render: Any) -> None:
    _, docs = default_render
    rules = _rules(docs, "operator")
    grants = _grants(rules)
    resources = {(g, r) for g, r, _ in grants}
    assert resources == {
        ("finscribe.io", "documentjobs"),
        ("finscribe.io", "documentjobs/status"),
        ("finscribe.io", "documentjobs/finalizers"),
        ("", "events"),
        ("events.k8s.io", "events"),
        ("coordination.k8s.io", "leases"),
    }
    assert ("finscribe.io", "documentjobs/finalizers", "update") in grants
    assert ("finscribe.io", "documentjobs/status", "patch") in grants
    assert ("finscribe.io", "documentjobs", "watch") in grants
    assert ("finscribe.io", "documentjobs", "create") not in grants
    assert all("*" not in r["verbs"] and "*" not in r["resources"] for r in rules)
    # The Lease is a namespaced Role, and updates are limited to the operator's own Lease.
    lease_role = _one(docs, "Role", "-operator-lease")
    assert lease_role["metadata"]["namespace"] == "finscribe"
    named = [r for r in lease_role["rules"] if "update" in r["verbs"]]
    assert named[0]["resourceNames"] == ["fs-finscribe-operator"]
    # Secrets only when secretRefs are explicitly allowed.
    _, docs_on = all_on_render
    assert ("", "secrets", "get") in _grants(_rules(docs_on, "operator"))
    assert not [g for g in grants if g[1] == "secrets"]


def test_watch_namespaces_gives_namespaced_roles(helm_env: dict[str, str]) -> None:
    _, docs = _render(helm_env, "--set", "operator.watchNamespaces={team-a,team-b}")
    assert not _by_kind(docs, "ClusterRole")
    roles = [d for d in _by_kind(docs, "Role") if not d["metadata"]["name"].endswith("-lease")]
    assert {(r["metadata"]["namespace"], r["metadata"]["name"]) for r in roles} == {
        ("team-a", "fs-finscribe-operator"),
        ("team-b", "fs-finscribe-operator"),
        ("team-a", "fs-finscribe-api"),
        ("team-b", "fs-finscribe-api"),
    }
    config = _one(docs, "ConfigMap", "-config")
    assert config["data"]["FINSCRIBE_OPERATOR_NAMESPACES"] == "team-a,team-b"


def test_only_api_and_operator_mount_a_token(default_render: Any) -> None:
    _, docs = default_render
    tokens = {
        sa["metadata"]["name"]: sa["automountServiceAccountToken"]
        for sa in _by_kind(docs, "ServiceAccount")
    }
    assert tokens == {
        "fs-finscribe-api": True,
        "fs-finscribe-worker": False,
        "fs-finscribe-operator": True,
    }


# --- everything on ----------------------------------------------------------------------


def test_keda_scaled_object_triggers(all_on_render: Any) -> None:
    _, docs = all_on_render
    assert not _by_kind(docs, "HorizontalPodAutoscaler")
    so = _one(docs, "ScaledObject", "-worker")
    assert so["apiVersion"] == "keda.sh/v1alpha1"
    assert so["spec"]["scaleTargetRef"]["name"] == "fs-finscribe-worker"
    assert so["spec"]["minReplicaCount"] == 0
    triggers = {t["type"]: t for t in so["spec"]["triggers"]}
    assert set(triggers) == {"prometheus", "redis"}
    prom = triggers["prometheus"]["metadata"]
    assert "finscribe_queue_ready_jobs" in prom["query"]
    assert 'namespace="finscribe"' in prom["query"]
    assert int(prom["threshold"]) >= 1
    redis = triggers["redis"]["metadata"]
    assert redis["listName"] == "arq:queue"
    assert redis["address"] == "redis:6379"
    # KEDA metadata values are strings.
    assert all(isinstance(v, str) for t in triggers.values() for v in t["metadata"].values())
    auth = _one(docs, "TriggerAuthentication", "-redis")
    assert triggers["redis"]["authenticationRef"]["name"] == auth["metadata"]["name"]
    assert auth["spec"]["secretTargetRef"][0]["parameter"] == "password"


def test_triton_gpu_deployment(all_on_render: Any) -> None:
    _, docs = all_on_render
    triton = _one(docs, "Deployment", "-triton")
    spec = triton["spec"]["template"]["spec"]
    main = spec["containers"][0]
    assert main["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert spec["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert spec["tolerations"][0]["key"] == "nvidia.com/gpu"
    assert spec["initContainers"][0]["name"] == "model-repository"
    assert "--model-repository=/models/repo" in main["args"]
    init = spec["initContainers"][0]
    assert "triton_repo /models/repo" in " ".join(init["command"])
    # The chart's default model is the settings' default (the benchmarked one).
    assert {"name": "OCR_MODEL", "value": OcrSettings.model_fields["model"].default} in init["env"]
    assert {p["name"] for p in main["ports"]} == {"http", "grpc", "metrics"}
    assert main["readinessProbe"]["httpGet"]["path"] == "/v2/health/ready"
    config = _one(docs, "ConfigMap", "-config")
    assert config["data"]["FINSCRIBE_TRITON_URL"] == "fs-finscribe-triton:8001"
    assert config["data"]["FINSCRIBE_OCR_ENGINE"] == "triton"


def test_workers_read_in_process_without_the_charts_triton(default_render: Any) -> None:
    _, docs = default_render
    config = _one(docs, "ConfigMap", "-config")
    assert config["data"]["FINSCRIBE_OCR_ENGINE"] == "onnx"
    assert "FINSCRIBE_TRITON_URL" not in config["data"]


def test_monitoring_objects(all_on_render: Any) -> None:
    _, docs = all_on_render
    sm = _one(docs, "ServiceMonitor", "fs-finscribe")
    assert {e["port"] for e in sm["spec"]["endpoints"]} == {"http", "metrics"}
    rule = _one(docs, "PrometheusRule", "fs-finscribe")
    alerts = {r["alert"]: r for g in rule["spec"]["groups"] for r in g["rules"]}
    assert {
        "FinscribeQueueBackingUp",
        "FinscribeJobFailureRatioHigh",
        "FinscribeInferenceLatencyHigh",
    } <= set(alerts)
    assert "finscribe_queue_ready_jobs" in alerts["FinscribeQueueBackingUp"]["expr"]
    dashboard = _one(docs, "ConfigMap", "-dashboard")
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    board = json.loads(dashboard["data"]["finscribe.json"])
    exprs = " ".join(t["expr"] for p in board["panels"] for t in p["targets"])
    assert "finscribe_queue_ready_jobs" in exprs


def test_network_policies_and_pdbs(all_on_render: Any) -> None:
    _, docs = all_on_render
    policies = {d["metadata"]["name"]: d for d in _by_kind(docs, "NetworkPolicy")}
    deny = policies["fs-finscribe-default-deny"]
    assert deny["spec"]["policyTypes"] == ["Ingress"]
    assert "ingress" not in deny["spec"]
    api = policies["fs-finscribe-api"]["spec"]["ingress"][0]
    assert api["from"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "ingress-nginx"
    }
    triton_from = policies["fs-finscribe-triton"]["spec"]["ingress"][0]["from"]
    sources = {f["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for f in triton_from}
    assert sources == {"worker", "api"}
    pdbs = {d["metadata"]["name"] for d in _by_kind(docs, "PodDisruptionBudget")}
    assert pdbs == {
        "fs-finscribe-api",
        "fs-finscribe-worker",
        "fs-finscribe-operator",
        "fs-finscribe-triton",
    }


# --- the rendered environment is a valid settings tree -------------------------------------

_SECRET_VALUES = {
    "FINSCRIBE_DB_URL": "postgresql://finscribe:pw@postgres:5432/finscribe",
    "FINSCRIBE_REDIS_URL": "redis://redis:6379/0",
    "FINSCRIBE_STORAGE_ACCESS_KEY": "access",
    "FINSCRIBE_STORAGE_SECRET_KEY": "secret",
}


def _known_env_names() -> set[str]:
    from pydantic import AliasChoices

    from finscribe.settings import Settings

    names: set[str] = set()
    for section in Settings.model_fields.values():
        model = section.annotation
        prefix = model.model_config.get("env_prefix", "")  # type: ignore[union-attr]
        for name, field in model.model_fields.items():  # type: ignore[union-attr]
            names.add(f"{prefix}{name}".upper())
            alias = field.validation_alias
            if isinstance(alias, AliasChoices):
                names.update(str(choice).upper() for choice in alias.choices)
            elif isinstance(alias, str):
                names.add(alias.upper())
    return names


@pytest.mark.parametrize("which", ["default_render", "all_on_render"])
def test_rendered_environment_loads_as_settings(
    which: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from finscribe.settings import load_settings

    _, docs = request.getfixturevalue(which)
    config = _one(docs, "ConfigMap", "-config")["data"]
    known = _known_env_names()
    unknown = {k for k in config if k.startswith("FINSCRIBE_") and k not in known}
    assert unknown == set(), "chart variables no setting reads"
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    for component in ("api", "worker", "operator"):
        container = _one(docs, "Deployment", f"-{component}")["spec"]["template"]["spec"][
            "containers"
        ][0]
        env = dict(config)
        for item in container["env"]:
            if "value" in item:
                env[item["name"]] = item["value"]
            elif "secretKeyRef" in item.get("valueFrom", {}):
                env[item["name"]] = _SECRET_VALUES[item["name"]]
            elif "fieldRef" in item.get("valueFrom", {}):
                env[item["name"]] = f"{component}-pod"
        for name in list(os.environ):
            if name.startswith("FINSCRIBE_") or name in {"DATABASE_URL", "REDIS_URL"}:
                monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, str(value))
        settings = load_settings()
        assert settings.db.url.startswith("postgresql+asyncpg://")
        assert settings.redis.url == "redis://redis:6379/0"
        assert settings.storage.backend == "s3"
        assert settings.storage.bucket == "finscribe"
        assert settings.api.submit_mode == "kubernetes"
        assert settings.api.host == "0.0.0.0"
        assert settings.operator.lease_name == "fs-finscribe-operator"
        assert settings.operator.lease_namespace == f"{component}-pod"
        assert settings.ocr.model_dir == Path("/opt/finscribe/models")
        if which == "all_on_render":
            assert settings.triton.url == "fs-finscribe-triton:8001"
            assert settings.storage.endpoint_url == "https://s3.example.com"
            assert settings.operator.allowed_hosts == ["docs.example.com"]
