"""Each service as a real process: healthy over gRPC, discoverable by reflection, stops on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time

import aiohttp
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from parayok.bootstrap import wait_serving
from parayok.services import SERVICES, ServiceSpec
from parayok.supervisor import dies_with_parent, wait_http_ok
from tests.conftest import PYTHON

GRPC_SERVICES = [s for s in SERVICES if s.grpc_services]


async def _reflected_services(addr: str) -> set[str]:
    async with grpc.aio.insecure_channel(addr) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)

        async def requests():  # type: ignore[no-untyped-def]
            yield reflection_pb2.ServerReflectionRequest(list_services="")

        async for reply in stub.ServerReflectionInfo(requests()):
            return {s.name for s in reply.list_services_response.service}
    return set()


def _start(spec: ServiceSpec, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(dies_with_parent([PYTHON, "-m", spec.module]), env=env, stderr=subprocess.PIPE)


@pytest.mark.parametrize("spec", GRPC_SERVICES, ids=lambda s: s.module)
async def test_grpc_service_is_healthy_reflected_and_stops_on_sigterm(
    spec: ServiceSpec, suite_env: dict[str, str]
) -> None:
    addr = suite_env[f"PARAYOK_{spec.name.upper()}_ADDR"]
    proc = _start(spec, suite_env)
    try:
        await wait_serving(addr, timeout=20)
        for full_name in spec.grpc_services:
            await wait_serving(addr, timeout=5, service=full_name)
        names = await _reflected_services(addr)
        assert set(spec.grpc_services) <= names
        assert "grpc.health.v1.Health" in names
        async with grpc.aio.insecure_channel(addr) as channel:
            status = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
            assert status.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
        took = time.monotonic() - started
    assert proc.returncode == 0, err.decode()[-2000:]
    assert took < 5.0
    log = err.decode()
    assert '"event": "ready"' in log and '"event": "stopping"' in log and '"event": "stopped"' in log


async def test_web_bridge_healthz_and_sigterm(suite_env: dict[str, str]) -> None:
    spec = next(s for s in SERVICES if s.module == "web_bridge")
    addr = suite_env["PARAYOK_WEB_ADDR"]
    proc = _start(spec, suite_env)
    try:
        await wait_http_ok(f"http://{addr}/healthz", timeout=20)
        async with aiohttp.ClientSession() as session, session.get(f"http://{addr}/healthz") as resp:
            assert resp.status == 200
            assert (await resp.json())["status"] == "SERVING"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err.decode()[-2000:]


def test_unknown_rpc_answers_unimplemented_not_a_crash(suite_env: dict[str, str]) -> None:
    """A method the server does not know answers UNIMPLEMENTED and the server keeps serving."""
    spec = next(s for s in SERVICES if s.module == "notify_service")
    addr = suite_env["PARAYOK_NOTIFY_ADDR"]
    proc = _start(spec, suite_env)
    try:
        asyncio.run(wait_serving(addr, timeout=20))
        with grpc.insecure_channel(addr) as channel:
            call = channel.unary_unary(
                "/parayok.v1.NotifyService/NoSuchMethod",
                request_serializer=lambda b: b,
                response_deserializer=lambda b: b,
            )
            with pytest.raises(grpc.RpcError) as info:
                call(b"", timeout=5)
            assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
            health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert health.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
