"""Fixtures for the candle domain tests: one real chDB store per test module.

chDB allows one engine directory per process, and only while its clients are open; a
module-scoped store that closes at the end keeps modules independent. Tests in a module share it
and keep apart by using their own symbols.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from candle_service.store import CandleStore, default_dsn

from .helpers import MakeCols, series


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CandleStore]:
    st = CandleStore.open(default_dsn(tmp_path_factory.mktemp("chdb")))
    yield st
    st.close()


_symbols = itertools.count()


@pytest.fixture
def symbol() -> str:
    """A symbol no other test in the session uses."""
    return f"T{next(_symbols):05d}USDT"


@pytest.fixture
def make_cols() -> MakeCols:
    return series
