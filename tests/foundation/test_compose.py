"""docker-compose.yml matches the code: services, modules, addresses and PARAYOK_* variables.

Docker cannot run here, so the file is checked against the settings classes instead.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from pathlib import Path
from typing import Any

import pytest
import yaml

from parayok.services import SERVICES, ServiceSpec
from parayok.settings import ServiceSettings, split_host_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def settings_class(module: str) -> type[ServiceSettings]:
    mod = importlib.import_module(f"{module}.settings")
    classes = [c for _, c in inspect.getmembers(mod, inspect.isclass)
               if issubclass(c, ServiceSettings) and c is not ServiceSettings and c.__module__ == mod.__name__]
    assert len(classes) == 1, f"{module}.settings must define exactly one settings class"
    return classes[0]


def test_clickhouse_has_volume_and_healthcheck(compose: dict[str, Any]) -> None:
    ch = compose["services"]["clickhouse"]
    assert ch["image"].startswith("clickhouse/clickhouse-server")
    volume = ch["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]
    assert ch["healthcheck"]["test"]


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.module)
def test_service_matches_code(compose: dict[str, Any], spec: ServiceSpec) -> None:
    svc = compose["services"][spec.module]
    assert svc["build"] == "."
    assert svc["command"] == ["python", "-m", spec.module]
    assert importlib.util.find_spec(f"{spec.module}.__main__") is not None
    env: dict[str, str] = svc["environment"]
    fields = settings_class(spec.module).model_fields
    for var in env:
        assert var.startswith("PARAYOK_"), var
        assert var[len("PARAYOK_"):].lower() in fields, f"{spec.module}: {var} is not a setting"
    # It listens on all interfaces at its default port, and reaches the others by service name.
    host, port = split_host_port(env[f"PARAYOK_{spec.name.upper()}_ADDR"])
    assert (host, port) == ("0.0.0.0", split_host_port(spec.default_addr)[1])
    for other in SERVICES:
        if other is spec:
            continue
        assert env[f"PARAYOK_{other.name.upper()}_ADDR"] == f"{other.module}:{split_host_port(other.default_addr)[1]}"
    # Everything it depends on must be healthy first, and it has a healthcheck of its own.
    for dep, cond in svc.get("depends_on", {}).items():
        assert dep in compose["services"]
        assert cond == {"condition": "service_healthy"}
    test = svc["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-m"] and importlib.util.find_spec(test[3]) is not None


def test_defaults_match_the_catalogue() -> None:
    for spec in SERVICES:
        settings = settings_class(spec.module)()
        assert settings.listen_addr(spec.name) == spec.default_addr


def test_candle_service_uses_the_clickhouse_server(compose: dict[str, Any]) -> None:
    svc = compose["services"]["candle_service"]
    assert svc["environment"]["PARAYOK_CLICKHOUSE_DSN"] == "http://clickhouse:8123"
    assert svc["depends_on"]["clickhouse"] == {"condition": "service_healthy"}


def test_web_bridge_publishes_paraclients_port(compose: dict[str, Any]) -> None:
    assert "3005:3005" in compose["services"]["web_bridge"]["ports"]


def test_dockerfile_copies_every_package() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert text.startswith("# ") and "FROM python:3.11-slim" in text
    for spec in SERVICES:
        assert f"COPY {spec.module} ./{spec.module}" in text
    assert "COPY parayok ./parayok" in text
