"""deploy/kubernetes/: valid against the Kubernetes API schemas, and fit to run the system on a cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from services.clients.settings import ClientsSettings
from services.identity.settings import IdentitySettings
from shared.settings import ProductionSettingsError

MANIFESTS = Path(__file__).resolve().parent.parent / "deploy" / "kubernetes"
# The release the cluster runs and the one before: the manifests must hold for an upgrade in between.
KUBERNETES_VERSIONS = ("1.36.0", "1.37.0")
PROCESS_KINDS = {
    "clients", "orders", "reminders", "mailings", "identity", "console",
    "clients-exports", "mailings-renders", "reminders-worker", "reminders-beat", "gateway", "pgbouncer",
}  # fmt: skip


def _documents() -> list[dict[str, Any]]:
    documents = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        if path.name == "kustomization.yaml":  # kustomize's own file, no API object
            continue
        documents += [document for document in yaml.safe_load_all(path.read_text()) if document]
    return documents


def _by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {document["metadata"]["name"]: document for document in _documents() if document["kind"] == kind}


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_is_valid_against_the_kubernetes_schemas(version: str) -> None:
    """Strict validation: a misspelt or misplaced field fails, not only a wrong type."""
    documents = _documents()
    assert len(documents) > 30
    for document in documents:
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{document['kind']}/{document['metadata']['name']}: {error.message} at {list(error.path)}")


def test_kustomization_lists_every_manifest_but_the_secret_example() -> None:
    """`kubectl apply -k` applies every file except the placeholders' example."""
    listed = set(yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())["resources"])
    files = {path.name for path in MANIFESTS.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    assert listed == files


def test_every_process_kind_is_a_deployment_with_probes() -> None:
    """One Deployment per process kind, each with a readiness and a liveness probe."""
    deployments = _by_kind("Deployment")
    assert set(deployments) == PROCESS_KINDS
    for name, deployment in deployments.items():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert "readinessProbe" in container and "livenessProbe" in container, name


def test_beat_is_a_single_replica_recreated_and_workers_probe_their_metrics_port() -> None:
    """Beat never runs twice during a roll-out; each worker's probe is its NEGOCE_METRICS_PORT."""
    deployments = _by_kind("Deployment")
    beat = deployments["reminders-beat"]["spec"]
    assert beat["replicas"] == 1 and beat["strategy"] == {"type": "Recreate"}
    for name, port in {
        "clients-exports": 9101,
        "mailings-renders": 9102,
        "reminders-worker": 9103,
        "reminders-beat": 9104,
    }.items():
        (container,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert {"name": "NEGOCE_METRICS_PORT", "value": str(port)} in container["env"]
        assert container["livenessProbe"]["httpGet"] == {"path": "/metrics", "port": "metrics"}


def test_consumers_scale_on_queue_depth_and_every_kind_but_beat_has_a_disruption_budget() -> None:
    """An HPA per consuming service on the external queue-depth metric; a PodDisruptionBudget for the rest."""
    autoscalers = _by_kind("HorizontalPodAutoscaler")
    assert set(autoscalers) == {"clients", "orders", "reminders", "mailings", "identity"}
    for name, autoscaler in autoscalers.items():
        (external,) = [metric for metric in autoscaler["spec"]["metrics"] if metric["type"] == "External"]
        assert external["external"]["metric"]["selector"] == {"matchLabels": {"service": name}}
    assert set(_by_kind("PodDisruptionBudget")) == PROCESS_KINDS - {"reminders-beat"}
    (job,) = _by_kind("Job").values()
    assert "negoce db upgrade" in " ".join(job["spec"]["template"]["spec"]["containers"][0]["command"])


def test_the_secret_example_is_refused_by_production_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Applied as it is, the example Secret stops every service at start: its placeholders are refused."""
    environment = {
        **_by_kind("ConfigMap")["negoce-config"]["data"],
        **_by_kind("Secret")["negoce-secrets"]["stringData"],
    }
    assert environment["NEGOCE_ENVIRONMENT"] == "production"
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("NEGOCE_JWT_SECRET", raising=False)
    for settings in (ClientsSettings, IdentitySettings):
        with pytest.raises(ProductionSettingsError, match="CHANGE-ME"):
            settings()
    # With the placeholders replaced the same Secret is accepted: the refusal is the placeholders'.
    for name, value in environment.items():
        monkeypatch.setenv(name, value.replace("CHANGE-ME", "s3cret"))
    assert ClientsSettings().environment == "production"
    assert IdentitySettings().database_url.endswith("@pgbouncer:6432/negoce_identity")
