"""The analyzer plugin contract (seed: src/vm/Analyzers/types/Analyzer.js).

An analyzer module in `analysis_service/analyzers/` (or a user folder) defines one
or more `Analyzer` subclasses. Each class declares:

* `KIND`: the module-level name (e.g. "ema"),
* `PARAMS`: typed parameters with defaults and descriptions,
* `INSTANCES`: the named instances the seed registers (e.g. "emac20" -> period 20),
* `instance_params(name)`: optionally, parameters for any other instance name
  following the class's naming pattern (e.g. "emac37"),
* `WRITES`: the flags it writes ("{id}" stands for the instance id),
* `requires()`: the analyzers it reads, resolved depth-first before it,
* `CHART`: optionally, that its flag is an on-chart / off-chart series.

`forget_before` is only called on classes that override it.

A strategy is an analyzer too: it reads flags and calls `io.make_entry(...)`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from analysis_service.engine.candle import Candle
    from analysis_service.engine.io import AnalyzerIO


Instances = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: type
    default: Any
    description: str


class Analyzer:
    KIND: ClassVar[str] = ""
    PARAMS: ClassVar[tuple[Param, ...]] = ()
    INSTANCES: ClassVar[Instances] = {}
    WRITES: ClassVar[tuple[str, ...]] = ()
    DESCRIPTION: ClassVar[str] = ""
    IS_STRATEGY: ClassVar[bool] = False
    # "onchart" / "offchart": the flag `id` is a chart series. The chart reads it from
    # each candle's flag snapshot, so indicators draw nothing per candle themselves.
    CHART: ClassVar[str | None] = None

    def __init__(self, name: str, **params: Any) -> None:
        self.name = name
        self.params = self.resolve_params(params)

    @classmethod
    def resolve_params(cls, given: Mapping[str, Any]) -> dict[str, Any]:
        known = {p.name: p for p in cls.PARAMS}
        unknown = set(given) - set(known)
        if unknown:
            raise ValueError(f"{cls.KIND}: unknown parameter(s) {sorted(unknown)}")
        out: dict[str, Any] = {}
        for p in cls.PARAMS:
            value = given.get(p.name, p.default)
            # ints are acceptable where floats are declared
            if value is not None and not isinstance(value, p.type) and not (p.type is float and isinstance(value, int)):
                raise TypeError(f"{cls.KIND}: parameter {p.name} must be {p.type.__name__}")
            out[p.name] = value
        return out

    @classmethod
    def instance_params(cls, name: str) -> dict[str, Any] | None:
        """Parameters for an instance name outside INSTANCES, or None if not ours."""
        return None

    @property
    def id(self) -> str:
        """The id flags and `has_analyzer` use (bbands: 'bbc-20-2')."""
        return self.name

    def requires(self) -> Sequence[str]:
        return ()

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        raise NotImplementedError

    def forget_before(self, time: int) -> None:
        """The ticker dropped every candle with open time <= `time`."""
