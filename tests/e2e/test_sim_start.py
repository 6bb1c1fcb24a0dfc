"""``PARAYOK_SIM_START`` fixes exchange_sim's clock start under the supervisor (``--start``)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from parayok.settings import SupervisorSettings
from parayok.supervisor import default_children


def sim_argv(monkeypatch: pytest.MonkeyPatch, **env: str) -> tuple[str, ...]:
    monkeypatch.setenv("PARAYOK_MARKET", "sim")
    for name, value in env.items():
        monkeypatch.setenv(f"PARAYOK_{name}", value)
    sim = [c for c in default_children(SupervisorSettings()) if c.name == "exchange_sim"]
    assert len(sim) == 1
    return sim[0].argv


@pytest.mark.parametrize("start", ["2026-03-02T00:00:00Z", "2026-03-02T00:00:00", "1772409600000"])
def test_sim_start_is_passed_to_exchange_sim(monkeypatch: pytest.MonkeyPatch, start: str) -> None:
    argv = sim_argv(monkeypatch, SIM_START=start, SIM_SPEED="0")
    assert argv[argv.index("--start") + 1] == start
    assert argv[argv.index("--speed") + 1] == "0.0"


def test_without_sim_start_the_clock_starts_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARAYOK_SIM_START", raising=False)
    assert "--start" not in sim_argv(monkeypatch)


def test_a_bad_sim_start_is_refused_naming_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARAYOK_SIM_START", "next tuesday")
    with pytest.raises(ValidationError, match="sim_start"):
        SupervisorSettings()
