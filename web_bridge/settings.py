"""web_bridge settings (``PARAYOK_*``)."""

from __future__ import annotations

from pydantic import SecretStr

from parayok.settings import ServiceSettings


class WebSettings(ServiceSettings):
    # Shared token a client must present (Socket.IO auth, or ?token= for Engine.IO v3 clients).
    web_token: SecretStr = SecretStr("")
    # Comma-separated origins allowed by CORS; the matching origin is echoed back.
    web_cors: str = "http://localhost:8080,http://127.0.0.1:8080,http://localhost:3005,http://127.0.0.1:3005"
    # Deadline of a gRPC lookup made for a client's request: a service that is down answers within it.
    web_rpc_timeout: float = 2.0
    # Engine.IO heartbeat (seconds): v4 server pings / v3 clients ping at this interval, and a client
    # silent for interval + timeout is dropped.
    web_ping_interval: float = 25.0
    web_ping_timeout: float = 20.0

    def cors_origins(self) -> list[str]:
        return [o.strip() for o in self.web_cors.split(",") if o.strip()]
