"""deploy/: the Dockerfile, compose file, Kubernetes manifests and Grafana provisioning parse, carry the
required fields, and agree with each other and with the code (detector.settings, detector.metrics).

There is no Docker engine on the dev machines, so these files are checked here rather than run.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
import tomllib
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from detector import __version__
from detector.metrics import DEFAULT_METRICS_ADDR, DEFAULT_METRICS_PORT
from detector.settings import Secret, Settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"

# Health endpoints of the worker's web server (port Settings.web_port): what the probes and the image
# HEALTHCHECK use.  The worker serves one page, /health (detector/worker/app.py: 200 when it owns partitions
# and keeps up, 503 otherwise); tests/test_metrics_live.py checks these paths against a running worker.
HEALTH_PATHS = {"liveness": "/health", "readiness": "/health"}

IMAGE_REPO = "cdr-detector"
SETTINGS_DEFAULTS = {f.name: f.default for f in fields(Settings)}
SETTINGS_ENV = {Settings.env_name(f.name) for f in fields(Settings)} | {
    Settings.env_name(f.name) + "_FILE" for f in fields(Settings) if isinstance(f.default, Secret)
}
METRICS_PORT = SETTINGS_DEFAULTS["metrics_port"]
WEB_PORT = SETTINGS_DEFAULTS["web_port"]


def load_yaml_docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def k8s_docs() -> dict[tuple[str, str], dict]:
    docs = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in load_yaml_docs(path):
            docs[(doc["kind"], doc.get("metadata", {}).get("name", path.stem))] = doc
    return docs


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def deployment() -> dict:
    return k8s_docs()[("Deployment", "cdr-detector")]


def worker_container() -> dict:
    (container,) = [c for c in deployment()["spec"]["template"]["spec"]["containers"] if c["name"] == "worker"]
    return container


def parse_dockerfile(path: Path) -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` with comments dropped and continuation lines joined."""
    instructions: list[tuple[str, str]] = []
    current = ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        word, _, rest = current.partition(" ")
        instructions.append((word.upper(), rest.strip()))
        current = ""
    return instructions


def dockerfile_env(instructions: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    runtime = False
    for word, rest in instructions:
        if word == "FROM":
            runtime = " AS build" not in rest.upper()
        if word == "ENV" and runtime:
            for part in shlex.split(rest):
                key, _, value = part.partition("=")
                env[key] = value
    return env


def image_repo(image: str) -> str:
    return image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image


# -- every file parses --------------------------------------------------------------------------------

def test_all_yaml_and_json_parse() -> None:
    yamls = sorted(DEPLOY.rglob("*.yml")) + sorted(DEPLOY.rglob("*.yaml"))
    jsons = sorted(DEPLOY.rglob("*.json"))
    assert len(yamls) >= 10 and jsons
    for path in yamls:
        assert load_yaml_docs(path), path
    for path in jsons:
        json.loads(path.read_text())


def test_k8s_required_fields() -> None:
    docs = k8s_docs()
    kinds = {kind for kind, _ in docs}
    assert {"Namespace", "ConfigMap", "Deployment", "Service", "Secret", "Kustomization"} <= kinds
    namespace = docs[("Namespace", "cdr-detector")]["metadata"]["name"]
    for (kind, name), doc in docs.items():
        assert doc["apiVersion"], (kind, name)
        if kind not in {"Namespace", "Kustomization"}:
            assert doc["metadata"]["namespace"] == namespace, (kind, name)


def test_kustomization_lists_the_manifests_but_not_the_example_secret() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    for name in listed:
        assert (K8S / name).exists(), name
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert on_disk - listed == {"secret.example.yaml"}
    (image,) = kustomization["images"]
    assert image["name"] == IMAGE_REPO and image["newTag"] == __version__


# -- images -------------------------------------------------------------------------------------------

def test_image_names_consistent() -> None:
    worker = compose()["services"]["worker"]
    assert worker["image"] == f"{IMAGE_REPO}:{__version__}"
    assert worker_container()["image"] == f"{IMAGE_REPO}:{__version__}"
    assert worker["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (DEPLOY / worker["build"]["context"] / worker["build"]["dockerfile"]).resolve() == DEPLOY / "Dockerfile"


def test_third_party_images_are_pinned() -> None:
    services = compose()["services"]
    assert image_repo(services["kafka"]["image"]) == "apache/kafka"
    for name, service in services.items():
        if "image" in service:
            assert re.search(r":[0-9v][\w.\-]*$", service["image"]), (name, service["image"])
            assert not service["image"].endswith(":latest"), name


# -- Dockerfile ---------------------------------------------------------------------------------------

def test_dockerfile() -> None:
    instructions = parse_dockerfile(DEPLOY / "Dockerfile")
    args = {k: v for word, rest in instructions if word == "ARG" and "=" in rest for k, v in [rest.split("=", 1)]}
    froms = [re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], rest).split()[0] for word, rest in instructions if word == "FROM"]
    assert len(froms) >= 2, "multi-stage build expected"
    assert all(f == "python:3.11-slim" for f in froms), froms

    runtime = instructions[[i for i, (w, _) in enumerate(instructions) if w == "FROM"][-1]:]
    users = [rest for word, rest in runtime if word == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert any(word == "COPY" and "--from=build" in rest for word, rest in runtime)

    exposed = {int(p.split("/")[0]) for word, rest in instructions if word == "EXPOSE" for p in rest.split()}
    assert exposed == {METRICS_PORT, WEB_PORT}

    entry = next(json.loads(rest) for word, rest in reversed(instructions) if word == "ENTRYPOINT")
    cmd = next(json.loads(rest) for word, rest in reversed(instructions) if word == "CMD")
    assert entry + cmd == ["cdr-detector", "worker"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert entry[0] in scripts

    for word, rest in instructions:
        if word == "COPY" and "--from" not in rest:
            *sources, _dest = rest.split()
            for source in sources:
                assert (ROOT / source).exists(), f"COPY source {source} missing from the build context"

    # Every value of the store setting must work in the image: store=rocksdb needs the rocksdb extra.
    installs = [rest for word, rest in instructions if word == "RUN" and "pip install" in rest]
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert "rocksdb" in extras and any("[rocksdb]" in rest for rest in installs), installs

    healthcheck = " ".join(rest for word, rest in instructions if word == "HEALTHCHECK")
    assert f":{WEB_PORT}{HEALTH_PATHS['liveness']}" in healthcheck


def test_dockerfile_env_is_valid_settings() -> None:
    env = dockerfile_env(parse_dockerfile(DEPLOY / "Dockerfile"))
    cdr = {k: v for k, v in env.items() if k.startswith("CDR_")}
    assert set(cdr) <= SETTINGS_ENV
    settings = Settings.load(env=cdr)
    assert settings.metrics_addr == "0.0.0.0" and settings.web_host == "0.0.0.0"
    assert settings.metrics_port == METRICS_PORT and settings.web_port == WEB_PORT


# -- settings in compose and the ConfigMap ------------------------------------------------------------

def test_code_defaults_are_loopback_and_documented_ports() -> None:
    assert SETTINGS_DEFAULTS["metrics_addr"] == DEFAULT_METRICS_ADDR == "127.0.0.1"
    assert METRICS_PORT == DEFAULT_METRICS_PORT == 9108
    assert WEB_PORT == 6066
    readme = (DEPLOY / "README.md").read_text()
    for fragment in ("9108", "6066", "127.0.0.1", "0.0.0.0"):
        assert fragment in readme


@pytest.mark.parametrize("source", ["compose", "configmap"])
def test_worker_env_is_valid_settings(source: str) -> None:
    if source == "compose":
        env = {k: str(v) for k, v in compose()["services"]["worker"]["environment"].items()}
    else:
        env = dict(k8s_docs()[("ConfigMap", "cdr-detector-config")]["data"])
        secret_vars = [e["name"] for e in worker_container()["env"] if "secretKeyRef" in e.get("valueFrom", {})]
        env.update({name: "from-secret" for name in secret_vars})
    unknown = set(env) - SETTINGS_ENV
    assert not unknown, f"not a detector.settings variable: {sorted(unknown)}"
    settings = Settings.load(env=env)  # types, choices and cross-field rules
    assert settings.metrics_addr == "0.0.0.0", "containers must expose metrics beyond loopback"
    assert settings.web_host == "0.0.0.0", "probes must reach the health endpoint"
    assert settings.metrics_port == METRICS_PORT
    assert settings.web_port == WEB_PORT
    for name in ("cdr_topic", "alert_topic", "dlq_topic", "group_id", "partitions"):
        assert getattr(settings, name) == SETTINGS_DEFAULTS[name], name


def test_compose_and_configmap_agree() -> None:
    compose_env = {k: str(v) for k, v in compose()["services"]["worker"]["environment"].items()}
    configmap = k8s_docs()[("ConfigMap", "cdr-detector-config")]["data"]
    for key in set(compose_env) & set(configmap) - {"CDR_BOOTSTRAP_SERVERS"}:
        assert compose_env[key] == configmap[key], key


# -- compose ------------------------------------------------------------------------------------------

def test_compose_stack() -> None:
    data = compose()
    services = data["services"]
    assert {"kafka", "kafka-init", "worker", "prometheus", "grafana"} <= set(services)

    kafka = services["kafka"]["environment"]
    assert set(str(kafka["KAFKA_PROCESS_ROLES"]).split(",")) == {"broker", "controller"}, "KRaft combined mode"
    assert "CONTROLLER" in kafka["KAFKA_CONTROLLER_LISTENER_NAMES"]
    assert len(base64.urlsafe_b64decode(kafka["CLUSTER_ID"] + "==")) == 16
    assert "zookeeper" not in json.dumps(data).lower()

    worker = services["worker"]
    assert worker["deploy"]["replicas"] >= 2
    assert "container_name" not in worker and "ports" not in worker, "replicas cannot share a name or host port"
    assert {int(p) for p in worker["expose"]} == {METRICS_PORT, WEB_PORT}
    bootstrap = worker["environment"]["CDR_BOOTSTRAP_SERVERS"]
    assert bootstrap.split(":")[0] == "kafka"
    assert f"PLAINTEXT://{bootstrap}" in kafka["KAFKA_ADVERTISED_LISTENERS"]

    init = " ".join(services["kafka-init"]["command"])
    settings = Settings.load(env={k: str(v) for k, v in worker["environment"].items()})
    for topic in (settings.cdr_topic, settings.alert_topic, settings.dlq_topic):
        assert topic in init
    assert f"--partitions {settings.partitions}" in init


def test_compose_ports_are_loopback_only() -> None:
    for name, service in compose()["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)


def test_compose_mounts_exist_and_prometheus_finds_workers() -> None:
    services = compose()["services"]
    mounts = {}
    for name in ("prometheus", "grafana"):
        for volume in services[name]["volumes"]:
            source, target, *_ = volume.split(":")
            if source.startswith("."):
                assert (DEPLOY / source).exists(), (name, source)
                mounts[target] = DEPLOY / source
    assert mounts["/etc/grafana/provisioning"] == DEPLOY / "grafana" / "provisioning"

    flag = next(a for a in services["prometheus"]["command"] if a.startswith("--config.file="))
    config_path = flag.split("=", 1)[1]
    host_path = mounts["/etc/prometheus"] / Path(config_path).relative_to("/etc/prometheus")
    config = yaml.safe_load(host_path.read_text())
    (job,) = [s for s in config["scrape_configs"] if s["job_name"] == "cdr-detector"]
    (sd,) = job["dns_sd_configs"]
    assert sd["names"] == ["worker"] and "worker" in services
    assert sd["port"] == METRICS_PORT


def test_compose_grafana_provisioning_points_at_the_dashboards() -> None:
    services = compose()["services"]
    targets = {v.split(":")[1]: v.split(":")[0] for v in services["grafana"]["volumes"] if v.startswith(".")}
    provider = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "dashboards" / "cdr-detector.yml").read_text())
    (prov,) = provider["providers"]
    dashboards_dir = DEPLOY / targets[prov["options"]["path"]]
    assert list(dashboards_dir.glob("*.json"))
    datasource = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text())
    (ds,) = datasource["datasources"]
    assert ds["url"] == "http://prometheus:9090" and "prometheus" in services


# -- Kubernetes ---------------------------------------------------------------------------------------

def test_deployment() -> None:
    dep = deployment()
    spec = dep["spec"]
    assert spec["replicas"] >= 2
    pod = spec["template"]
    assert spec["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert pod["spec"]["securityContext"]["runAsUser"] != 0

    c = worker_container()
    assert c["args"] == ["worker"]
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"metrics": METRICS_PORT, "web": WEB_PORT}
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(c["resources"][kind]), kind
    probes = {"livenessProbe": HEALTH_PATHS["liveness"], "readinessProbe": HEALTH_PATHS["readiness"]}
    for probe, path in probes.items():
        get = c[probe]["httpGet"]
        assert get["path"] == path and get["port"] in ("web", WEB_PORT), probe

    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(METRICS_PORT)
    assert annotations["prometheus.io/path"] == "/metrics"


def test_deployment_references_existing_config_and_secret() -> None:
    docs = k8s_docs()
    c = worker_container()
    for source in c["envFrom"]:
        assert ("ConfigMap", source["configMapRef"]["name"]) in docs
    refs = [e["valueFrom"]["secretKeyRef"] for e in c["env"] if "secretKeyRef" in e.get("valueFrom", {})]
    assert refs, "the SASL password must come from a Secret"
    for ref in refs:
        secret = docs[("Secret", ref["name"])]
        assert ref["key"] in secret.get("stringData", secret.get("data", {}))
    names = {e["name"] for e in c["env"]}
    assert Settings.env_name("sasl_password") in names
    configmap = docs[("ConfigMap", "cdr-detector-config")]["data"]
    assert not any("PASSWORD" in key for key in configmap), "no secrets in the ConfigMap"


def test_the_allowlist_setting_names_the_mounted_configmap_file_and_it_parses() -> None:
    from pathlib import PurePosixPath

    from detector.allowlist import Allowlist

    docs = k8s_docs()
    path = PurePosixPath(docs[("ConfigMap", "cdr-detector-config")]["data"][Settings.env_name("allowlist")])
    mount = next(m for m in worker_container()["volumeMounts"] if PurePosixPath(m["mountPath"]) == path.parent)
    assert mount.get("readOnly") is True
    volume = next(v for v in deployment()["spec"]["template"]["spec"]["volumes"] if v["name"] == mount["name"])
    listed = docs[("ConfigMap", volume["configMap"]["name"])]["data"]
    assert path.name in listed
    Allowlist.parse(listed[path.name].splitlines(), path.name)  # what the workers read at start: no bad line


def test_service_selects_the_pods_and_targets_named_ports() -> None:
    svc = k8s_docs()[("Service", "cdr-detector-metrics")]
    pod_labels = deployment()["spec"]["template"]["metadata"]["labels"]
    assert svc["spec"]["selector"].items() <= pod_labels.items()
    container_ports = {p["name"] for p in worker_container()["ports"]}
    ports = {p["name"]: p for p in svc["spec"]["ports"]}
    assert ports["metrics"]["port"] == METRICS_PORT
    for p in ports.values():
        assert p["targetPort"] in container_ports


def test_readme_notes() -> None:
    text = (DEPLOY / "README.md").read_text().lower()
    assert "no docker engine" in text
    assert "partition" in text and "replicas" in text
