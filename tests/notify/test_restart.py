"""A real ``python -m notify_service`` killed with SIGKILL with messages in its outbox: after a restart
each message reaches Telegram exactly once, subscriptions and dedupe keys survive."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
from pathlib import Path

import grpc

from notify_service.testing import BotApiDouble, running_botapi
from parayok.bootstrap import wait_serving
from parayok.supervisor import dies_with_parent
from parayok.v1 import notify_pb2, notify_pb2_grpc
from tests.conftest import PYTHON
from tests.notify.conftest import GROUP, OWNER


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        return subprocess.Popen(dies_with_parent([PYTHON, "-m", "notify_service"]), env=env, stderr=err)


def _events(log: Path) -> list[dict[str, object]]:
    lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
    return [json.loads(line) for line in lines]


def _env(suite_env: dict[str, str], api: BotApiDouble) -> dict[str, str]:
    return {
        **suite_env,
        "PARAYOK_TELEGRAM_TOKEN": api.token,
        "PARAYOK_TELEGRAM_BASE_URL": api.base_url,
        "PARAYOK_TELEGRAM_ALLOWED_CHATS": f"{OWNER},{GROUP}",
        "PARAYOK_TELEGRAM_CHAT_INTERVAL": "0.05",
        "PARAYOK_TELEGRAM_POLL_TIMEOUT": "2",
    }


async def test_sigkill_with_a_full_outbox_delivers_each_message_once(suite_env: dict[str, str],
                                                                     tmp_path: Path) -> None:
    addr = suite_env["PARAYOK_NOTIFY_ADDR"]
    log = tmp_path / "notify.log"
    async with running_botapi() as api:
        env = _env(suite_env, api)
        proc = _start(env, log)
        try:
            await wait_serving(addr, timeout=30)
            api.push_command(GROUP, "/start")
            await api.wait_sent(1, GROUP)
            # Telegram takes OWNER's first message and never answers: it is in flight when the kill comes,
            # and the four behind it wait in the outbox.
            api.hold_sends(lambda chat, text: chat == OWNER)
            async with grpc.aio.insecure_channel(addr) as channel:
                stub = notify_pb2_grpc.NotifyServiceStub(channel)
                for n in range(5):
                    reply = await stub.Notify(notify_pb2.NotifyRequest(text=f"m{n}", chat_id=OWNER,
                                                                       dedupe_key=f"k{n}"), timeout=5)
                    assert reply.queued == 1
                await api.wait_sent(1, OWNER)
                reply = await stub.Notify(notify_pb2.NotifyRequest(text="g0"), timeout=5)  # every subscriber
                assert reply.queued == 1
                await api.wait_sent(2, GROUP)  # a stuck chat does not hold the others
                status = await stub.GetStatus(notify_pb2.GetNotifyStatusRequest(), timeout=5)
                assert status.outbox == 5
        finally:
            proc.send_signal(signal.SIGKILL)
            await asyncio.to_thread(proc.wait, 10)
        api.release_sends()
        assert api.texts(OWNER) == ["m0"]

        proc = _start(env, log)
        try:
            await wait_serving(addr, timeout=30)
            await api.wait_sent(5, OWNER)
            async with grpc.aio.insecure_channel(addr) as channel:
                stub = notify_pb2_grpc.NotifyServiceStub(channel)

                async def drained() -> notify_pb2.NotifyStatus:
                    while True:
                        status = await stub.GetStatus(notify_pb2.GetNotifyStatusRequest(), timeout=5)
                        if status.outbox == 0:
                            return status
                        await asyncio.sleep(0.05)

                status = await asyncio.wait_for(drained(), 20)
                assert status.connected
                again = await stub.Notify(notify_pb2.NotifyRequest(text="m2 again", chat_id=OWNER,
                                                                   dedupe_key="k2"), timeout=5)
                assert again.queued == 0
                subs = await stub.ListSubscribers(notify_pb2.ListSubscribersRequest(), timeout=5)
                assert [s.chat_id for s in subs.subscribers] == [GROUP]
                # A message after the restart proves the pipeline is live and nothing else was pending.
                await stub.Notify(notify_pb2.NotifyRequest(text="m5", chat_id=OWNER), timeout=5)
                await api.wait_sent(6, OWNER)
        finally:
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(proc.wait, 15)
        assert code == 0
        assert api.texts(OWNER) == ["m0", "m1", "m2", "m3", "m4", "m5"]
        # Updates are answered once, even when fetched again after the kill.
        assert api.texts(GROUP) == [api.texts(GROUP)[0], "g0"]
        uncertain = [e for e in _events(log) if e.get("event") == "outbox_uncertain"]
        assert [e["chat_id"] for e in uncertain] == [OWNER]
        assert not any(api.token in line for line in log.read_text().splitlines())


async def test_sigterm_stops_promptly_while_telegram_is_unreachable(suite_env: dict[str, str],
                                                                      tmp_path: Path) -> None:
    from tests.conftest import free_port

    env = {**suite_env, "PARAYOK_TELEGRAM_TOKEN": "123456:PARAYOK-TEST-TOKEN",
           "PARAYOK_TELEGRAM_BASE_URL": f"http://127.0.0.1:{free_port()}/bot",
           "PARAYOK_TELEGRAM_ALLOWED_CHATS": str(OWNER)}
    log = tmp_path / "notify.log"
    proc = _start(env, log)
    try:
        await wait_serving(suite_env["PARAYOK_NOTIFY_ADDR"], timeout=30)
        async with grpc.aio.insecure_channel(suite_env["PARAYOK_NOTIFY_ADDR"]) as channel:
            stub = notify_pb2_grpc.NotifyServiceStub(channel)
            reply = await stub.Notify(notify_pb2.NotifyRequest(text="queued", chat_id=OWNER), timeout=5)
            assert reply.queued == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(proc.wait, 8)
    assert code == 0
    assert not any("PARAYOK-TEST-TOKEN" in line for line in log.read_text().splitlines())
