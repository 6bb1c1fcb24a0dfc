"""A local Telegram Bot API double for tests (aiohttp on loopback), as python-telegram-bot calls it.

Point the service at it with ``PARAYOK_TELEGRAM_BASE_URL=double.base_url`` and
``PARAYOK_TELEGRAM_TOKEN=double.token``. It serves getMe, deleteWebhook, getUpdates (long polling),
sendMessage, editMessageText, answerCallbackQuery, setMyCommands, getWebhookInfo, close and logOut;
records every call; lets a test push commands and button presses from any chat, inject failures
(429 with retry_after, 5xx, 400/403) and hold sendMessage answers (a request Telegram received but
never confirmed).

    async with running_botapi() as api:
        api.push_command(111, "/start")
        [reply] = await api.wait_sent(1, chat_id=111)
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

DEFAULT_TOKEN = "123456:PARAYOK-TEST-TOKEN"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() when received
    status: int = 200


@dataclass
class Sent:
    chat_id: int
    text: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    message_id: int
    at: float


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    description: str


@dataclass
class BotApiDouble:
    token: str = DEFAULT_TOKEN
    username: str = "parayok_test_bot"
    bot_id: int = 123456
    calls: list[Call] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    callback_answers: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._next_message_id = 1
        self._changed = asyncio.Condition()
        self._failures: dict[str, collections.deque[_Failure]] = collections.defaultdict(collections.deque)
        self._hold: Callable[[int, str], bool] | None = None
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.confirmed_offset = 0

    # life cycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # Handlers die with their connection and the double stops at once, long polls included.
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port or self.port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def close(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # what a test does

    def push_command(self, chat_id: int, text: str, user_id: int | None = None, title: str | None = None) -> int:
        """A text message (a /command when it starts with /) from ``chat_id``; returns its update id."""
        message = self._message(chat_id, text, user_id, title)
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self._push({"message": message})

    def push_callback(self, chat_id: int, data: str, message_id: int = 1, user_id: int | None = None) -> int:
        """A press on an inline button carrying ``data``, under message ``message_id`` of ``chat_id``."""
        message = self._message(chat_id, "(button message)", self.bot_id, None)
        message["message_id"] = message_id
        message["from"] = self._bot_user()
        query = {"id": f"cq{self._next_update_id}", "from": self._user(user_id or abs(chat_id)),
                 "chat_instance": f"ci{chat_id}", "data": data, "message": message}
        return self._push({"callback_query": query})

    def fail(self, method: str, status: int, times: int = 1, retry_after: int | None = None,
             description: str = "") -> None:
        """The next ``times`` calls of ``method`` answer ``status`` (429 carries ``retry_after``)."""
        for _ in range(times):
            self._failures[method].append(_Failure(status, retry_after, description or f"injected {status}"))

    def hold_sends(self, predicate: Callable[[int, str], bool] = lambda chat, text: True) -> None:
        """sendMessage calls matching ``predicate(chat_id, text)`` are recorded as sent, then never answered
        until :meth:`release_sends` — as if Telegram took the message and the answer was lost."""
        self._hold = predicate
        self._release.clear()

    def release_sends(self) -> None:
        self._hold = None
        self._release.set()

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [s.text for s in self.sent if chat_id is None or s.chat_id == chat_id]

    async def wait_sent(self, count: int, chat_id: int | None = None, timeout: float = 20.0) -> list[Sent]:
        """Waits until at least ``count`` messages went to ``chat_id`` (any chat if None); returns them."""
        def done() -> bool:
            return len(self._sent_to(chat_id)) >= count

        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(done), timeout)
            except TimeoutError:
                raise AssertionError(
                    f"{len(self._sent_to(chat_id))} of {count} messages to chat {chat_id} after {timeout} s: "
                    f"{[s.text[:80] for s in self._sent_to(chat_id)]}"
                ) from None
        return self._sent_to(chat_id)

    async def wait_call(self, method: str, count: int = 1, timeout: float = 20.0) -> list[Call]:
        def found() -> list[Call]:
            return [c for c in self.calls if c.method == method]

        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: len(found()) >= count), timeout)
            except TimeoutError:
                raise AssertionError(f"{len(found())} of {count} {method} calls after {timeout} s") from None
        return found()

    async def wait_confirmed(self, update_id: int, timeout: float = 20.0) -> None:
        """Waits until the bot fetched update ``update_id`` (a later getUpdates offset passes it)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self._fetched >= update_id), timeout)

    # internals

    _fetched = 0

    def _sent_to(self, chat_id: int | None) -> list[Sent]:
        return [s for s in self.sent if chat_id is None or s.chat_id == chat_id]

    def _user(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"user{user_id}", "username": f"user{user_id}"}

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "PARAYOK", "username": self.username,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _chat(self, chat_id: int, title: str | None = None) -> dict[str, Any]:
        if chat_id < 0:
            return {"id": chat_id, "type": "group", "title": title or f"group{chat_id}"}
        return {"id": chat_id, "type": "private", "first_name": f"user{chat_id}", "username": f"user{chat_id}"}

    def _message(self, chat_id: int, text: str, user_id: int | None, title: str | None) -> dict[str, Any]:
        message_id = self._next_message_id
        self._next_message_id += 1
        return {"message_id": message_id, "date": int(time.time()), "chat": self._chat(chat_id, title),
                "from": self._user(user_id or abs(chat_id)), "text": text}

    def _push(self, payload: dict[str, Any]) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append({"update_id": update_id, **payload})
        self._notify()
        return update_id

    def _notify(self) -> None:
        async def wake() -> None:
            async with self._changed:
                self._changed.notify_all()

        # Callable from plain code in the test's loop.
        asyncio.get_running_loop().create_task(wake())

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json()
            return dict(body) if isinstance(body, dict) else {}
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            text = value if isinstance(value, str) else str(value)
            try:  # PTB sends nested values JSON-encoded
                params[key] = json.loads(text) if text[:1] in "[{" else text
            except ValueError:
                params[key] = text
        return params

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params, time.monotonic())
        self.calls.append(call)
        if request.match_info["token"] != self.token:
            call.status = 401
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        if self._failures[method]:
            failure = self._failures[method].popleft()
            call.status = failure.status
            self._notify()
            body: dict[str, Any] = {"ok": False, "error_code": failure.status, "description": failure.description}
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return web.json_response(body, status=failure.status)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        result = await handler(params)
        self._notify()
        return result  # type: ignore[no-any-return]

    async def _api_getMe(self, params: dict[str, Any]) -> web.Response:
        return self._ok(self._bot_user())

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> web.Response:
        return self._ok(True)

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> web.Response:
        return self._ok({"url": "", "has_custom_certificate": False, "pending_update_count": len(self._updates)})

    async def _api_setMyCommands(self, params: dict[str, Any]) -> web.Response:
        return self._ok(True)

    async def _api_close(self, params: dict[str, Any]) -> web.Response:
        return self._ok(True)

    async def _api_logOut(self, params: dict[str, Any]) -> web.Response:
        return self._ok(True)

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> web.Response:
        self.callback_answers.append(params)
        return self._ok(True)

    async def _api_getUpdates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        if offset:
            # Telegram forgets the updates below the offset: they were confirmed.
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)

        def pending() -> list[dict[str, Any]]:
            return [u for u in self._updates if u["update_id"] >= offset]

        if not pending() and timeout > 0:
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait_for(lambda: bool(pending())), timeout)
        found = pending()[:100]
        if found:
            self._fetched = max(self._fetched, found[-1]["update_id"])
        return self._ok(found)

    def _sent_message(self, params: dict[str, Any]) -> Sent:
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        sent = Sent(int(params["chat_id"]), str(params.get("text", "")), params.get("parse_mode"), markup,
                    self._next_message_id, time.monotonic())
        self._next_message_id += 1
        return sent

    def _message_result(self, sent: Sent) -> dict[str, Any]:
        return {"message_id": sent.message_id, "date": int(time.time()), "chat": self._chat(sent.chat_id),
                "from": self._bot_user(), "text": sent.text}

    async def _api_sendMessage(self, params: dict[str, Any]) -> web.Response:
        sent = self._sent_message(params)
        self.sent.append(sent)
        hold = self._hold
        if hold is not None and hold(sent.chat_id, sent.text):
            self._notify()
            await self._release.wait()
        return self._ok(self._message_result(sent))

    async def _api_editMessageText(self, params: dict[str, Any]) -> web.Response:
        return self._ok(self._message_result(self._sent_message(params)))


@contextlib.asynccontextmanager
async def running_botapi(token: str = DEFAULT_TOKEN, port: int = 0) -> AsyncIterator[BotApiDouble]:
    """A started Bot API double on loopback (``port`` 0 = any free port)."""
    api = BotApiDouble(token=token)
    await api.start(port)
    try:
        yield api
    finally:
        await api.close()
