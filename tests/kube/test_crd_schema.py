"""The DocumentJob CRD: structural schema, examples accepted, malformed resources rejected,
and its CEL rules evaluated with a real CEL implementation (cel-python).

The openAPIV3Schema is checked with `jsonschema` (draft 4-style keywords used by Kubernetes are
a subset). An API server also rejects unknown fields under strict field validation (what
`kubectl apply` asks for by default); the `strict` variant below emulates that by closing
every object that lists its properties. CEL rules are evaluated with cel-python, which
implements the CEL language but not Kubernetes' CEL library extensions (none are used here).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CRD = yaml.safe_load((ROOT / "crds" / "documentjob.yaml").read_text())
VERSION = CRD["spec"]["versions"][0]
SCHEMA = VERSION["schema"]["openAPIV3Schema"]
EXAMPLES = sorted((ROOT / "examples").glob("documentjob*.yaml"))


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(schema)

    def close(node: dict[str, Any], path: str) -> None:
        if node.get("type") == "object" and "properties" in node and path != ".metadata":
            node.setdefault("additionalProperties", False)
        for name, child in node.get("properties", {}).items():
            close(child, f"{path}.{name}")
        if isinstance(node.get("items"), dict):
            close(node["items"], f"{path}[]")

    close(out, "")
    return out


VALIDATOR = jsonschema.Draft7Validator(_strict(SCHEMA))


def _errors(obj: dict[str, Any]) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(obj)]


def _base() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "examples" / "documentjob.yaml").read_text())


# --- the CRD itself --------------------------------------------------------------------


def test_crd_names_and_version() -> None:
    assert CRD["apiVersion"] == "apiextensions.k8s.io/v1"
    spec = CRD["spec"]
    assert spec["group"] == "finscribe.io"
    assert spec["names"]["kind"] == "DocumentJob"
    assert set(spec["names"]["shortNames"]) == {"dj", "docjob"}
    assert VERSION["name"] == "v1alpha1"
    assert VERSION["subresources"] == {"status": {}}
    columns = [c["name"] for c in VERSION["additionalPrinterColumns"] if c.get("priority", 0) == 0]
    assert columns == ["Phase", "Stage", "Progress", "Review", "Age"]


def _walk(node: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    out = [(path, node)]
    for name, child in node.get("properties", {}).items():
        out += _walk(child, f"{path}.{name}")
    if isinstance(node.get("items"), dict):
        out += _walk(node["items"], f"{path}[]")
    return out


def test_schema_is_structural() -> None:
    for path, node in _walk(SCHEMA):
        assert "type" in node, f"{path or '<root>'} has no type"
        assert not node.get("x-kubernetes-preserve-unknown-fields"), path
        if node["type"] == "object" and path not in {"", ".metadata"}:
            assert "properties" in node, f"{path} is an open object"
        assert "$ref" not in node
        assert "additionalProperties" not in node or path == ""


def test_status_conditions_follow_api_conventions() -> None:
    conditions = SCHEMA["properties"]["status"]["properties"]["conditions"]
    assert conditions["x-kubernetes-list-type"] == "map"
    assert conditions["x-kubernetes-list-map-keys"] == ["type"]
    item = conditions["items"]
    assert set(item["properties"]) == {
        "type",
        "status",
        "reason",
        "message",
        "lastTransitionTime",
        "observedGeneration",
    }
    assert set(item["properties"]["type"]["enum"]) == {
        "Accepted",
        "Queued",
        "Processing",
        "Succeeded",
        "Failed",
    }


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_are_accepted(path: Path) -> None:
    obj = yaml.safe_load(path.read_text())
    assert obj["apiVersion"] == f"{CRD['spec']['group']}/{VERSION['name']}"
    assert _errors(obj) == []
    assert _cel_errors(obj) == []


def test_examples_cover_every_source_kind() -> None:
    kinds = {next(iter(yaml.safe_load(p.read_text())["spec"]["source"])) for p in EXAMPLES}
    assert kinds == {"s3", "url", "upload"}


def _set(obj: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    node = obj
    *parents, last = dotted.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return obj


_DELETE = object()

MALFORMED = {
    "no-spec": ("spec", _DELETE),
    "no-source": ("spec.source", _DELETE),
    "plain-http-url": ("spec.source", {"url": "http://docs.example.com/a.pdf"}),
    "not-a-url": ("spec.source", {"url": "https://"}),
    "s3-without-key": ("spec.source", {"s3": {"bucket": "inbox"}}),
    "s3-bad-bucket": ("spec.source", {"s3": {"bucket": "Not_A_Bucket", "key": "a.pdf"}}),
    "upload-key-traversal": ("spec.source", {"upload": {"storageKey": "../../etc/passwd"}}),
    "unknown-source": ("spec.source.ftp", "ftp://x"),
    "unknown-spec-field": ("spec.tenant", "someone-else"),
    "bad-document-type": ("spec.options.documentType", "bank_statement"),
    "bad-engine": ("spec.options.ocrEngine", "tesseract"),
    "page-limit-zero": ("spec.options.pageLimit", 0),
    "page-limit-string": ("spec.options.pageLimit", "10"),
    "bad-language": ("spec.options.languages", ["english"]),
    "bad-priority": ("spec.priority", "urgent"),
    "negative-ttl": ("spec.ttlSecondsAfterFinished", -1),
    "callback-http": ("spec.callback", {"url": "http://erp.example.com/hook"}),
    "callback-without-url": ("spec.callback", {"secretRef": {"name": "s"}}),
    "status-float-total": ("status.summary", {"total": 12.5}),
    "status-bad-phase": ("status.phase", "Done"),
    "status-progress-over-100": ("status.progress", 101),
    "status-bad-condition": (
        "status.conditions",
        [
            {
                "type": "Finished",
                "status": "True",
                "reason": "X",
                "message": "",
                "lastTransitionTime": "2026-01-01T00:00:00Z",
            }
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_resources_are_rejected_by_the_schema(case: str) -> None:
    path, value = MALFORMED[case]
    obj = _set(_base(), path, value)
    assert _errors(obj), f"{case} was accepted"


def test_valid_status_is_accepted() -> None:
    obj = _base()
    obj["status"] = {
        "phase": "Succeeded",
        "stage": "store",
        "progress": 100,
        "attempts": 1,
        "observedGeneration": 1,
        "startedAt": "2026-11-23T10:00:00Z",
        "finishedAt": "2026-11-23T10:00:03Z",
        "resultRef": {"jobId": "6f1c0f6e-5a43-5d3c-9a55-0f9d3e1b2c11", "resultId": "42"},
        "summary": {
            "documentType": "invoice",
            "invoiceNumber": "INV-2024-0042",
            "total": "1234.50",
            "currency": "EUR",
            "needsReview": False,
        },
        "conditions": [
            {
                "type": "Succeeded",
                "status": "True",
                "reason": "Completed",
                "message": "result stored",
                "lastTransitionTime": "2026-11-23T10:00:03Z",
                "observedGeneration": 1,
            }
        ],
    }
    assert _errors(obj) == []


# --- CEL rules, evaluated ---------------------------------------------------------------

CEL_ENV = celpy.Environment()


def _rules() -> list[tuple[str, dict[str, Any]]]:
    """(schema path, rule) for every x-kubernetes-validations rule in the CRD."""
    return [
        (path, rule)
        for path, node in _walk(SCHEMA)
        for rule in node.get("x-kubernetes-validations", [])
    ]


def _at(obj: dict[str, Any], path: str) -> Any:
    node: Any = obj
    for key in [p for p in path.split(".") if p]:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _cel_errors(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[str]:
    """Evaluate every rule like an API server: transition rules (oldSelf) only on update."""
    errors = []
    for path, rule in _rules():
        value = _at(obj, path)
        if value is None:
            continue
        uses_old = "oldSelf" in rule["rule"]
        old_value = _at(old, path) if old is not None else None
        if uses_old and old_value is None:
            continue
        activation = {"self": celpy.json_to_cel(value)}
        if uses_old:
            activation["oldSelf"] = celpy.json_to_cel(old_value)
        program = CEL_ENV.program(CEL_ENV.compile(rule["rule"]))
        if not bool(program.evaluate(activation)):
            errors.append(f"{path}: {rule['message']}")
    return errors


def test_cel_rules_are_present() -> None:
    rules = {path: r["rule"] for path, r in _rules()}
    assert rules[".spec"] == "self == oldSelf"
    assert "has(self.s3)" in rules[".spec.source"]
    assert "size() == 1" in rules[".spec.source"]


@pytest.mark.parametrize(
    ("source", "ok"),
    [
        ({"upload": {"storageKey": "a"}}, True),
        ({"url": "https://a.example.com/x.pdf"}, True),
        ({"s3": {"bucket": "abc", "key": "k"}}, True),
        ({}, False),
        ({"upload": {"storageKey": "a"}, "url": "https://a.example.com/x.pdf"}, False),
        ({"s3": {"bucket": "abc", "key": "k"}, "upload": {"storageKey": "a"}}, False),
    ],
)
def test_cel_exactly_one_source(source: dict[str, Any], ok: bool) -> None:
    obj = _base()
    obj["spec"]["source"] = source
    errors = _cel_errors(obj)
    assert (errors == []) is ok, errors
    if not ok:
        assert "exactly one of source" in errors[0]


@pytest.mark.parametrize("key", ["uploads/a/../../b.pdf", "uploads//b.pdf"])
def test_cel_upload_key_without_traversal(key: str) -> None:
    obj = _base()
    obj["spec"]["source"] = {"upload": {"storageKey": key}}
    assert _errors(obj) == []  # the pattern alone lets these through
    assert _cel_errors(obj) == [
        ".spec.source.upload: source.upload.storageKey must not contain '..' or '//'"
    ]


def test_cel_spec_is_immutable() -> None:
    old = _base()
    assert _cel_errors(copy.deepcopy(old), old) == []
    changed = copy.deepcopy(old)
    changed["spec"]["options"]["pageLimit"] = 11
    errors = _cel_errors(changed, old)
    assert errors == [".spec: spec is immutable; delete and re-create the DocumentJob instead"]
    # Status and metadata changes are not spec changes.
    relabelled = copy.deepcopy(old)
    relabelled["metadata"]["labels"] = {"team": "ap"}
    relabelled["status"] = {"phase": "Queued"}
    assert _cel_errors(relabelled, old) == []
