"""Analyzer discovery and box building (seed: AnalyzersFactory.js, AnalyzersBox.js).

Analyzer classes are discovered from the `analysis_service.analyzers` package and,
optionally, from a user folder of `.py` files. `build_box` reproduces the seed's
box order: the five analyzers every box needs first, then the requested ones, each
preceded depth-first by what it requires.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from analysis_service.engine.plugin import Analyzer

# required by makeEntry and the static taggers (seed: AnalyzersIO.init)
ALWAYS_REQUIRED: tuple[str, ...] = ("rsi14", "atr14", "prev_swing", "btctrend", "hl_trend")

# The seed's AnalyzersFactory order: what "all" means, strategies included.
SEED_ORDER: tuple[str, ...] = (
    "atr14",
    "rsi14",
    "impulse",
    "mac9",
    "mac18",
    "mac20",
    "mac50",
    "mac100",
    "mac200",
    "emac9",
    "emac20",
    "emac21",
    "emac50",
    "emac100",
    "emac200",
    "rmac9",
    "rmac30",
    "rmac75",
    "rmac21",
    "rmac50",
    "rmac200",
    "mac5",
    "emac18",
    "mac89",
    "emac35",
    "emac144",
    "mat1",
    "hos",
    "macd",
    "bbands",
    "btctrend",
    "macdf",
    "wfractals",
    "extremum",
    "hl_trend",
    "hills",
    "vlevels",
    "cdlpatts",
    "magnets",
    "prices",
    "prev_swing",
    "dblbottom",
    "macwfma",
    "tpcwfma",
    "cma3buy",
    "cma3sell",
    "ttcwoff",
    "geroflvl",
    "hoffman1",
    "bounce",
    "volrev",
)

STRATEGY_NAMES: tuple[str, ...] = (
    "ttcwoff",
    "volrev",
    "tpcwfma",
    "cma3buy",
    "cma3sell",
    "macwfma",
    "geroflvl",
    "hoffman1",
    "bounce",
    "dblbottom",
)


class UnknownAnalyzerError(LookupError):
    pass


class AnalyzerCycleError(ValueError):
    pass


class AnalyzerRegistry:
    def __init__(self) -> None:
        self.kinds: dict[str, type[Analyzer]] = {}
        self.named: dict[str, tuple[type[Analyzer], dict[str, Any]]] = {}

    # --- discovery -------------------------------------------------------------------

    def register(self, cls: type[Analyzer]) -> None:
        if not cls.KIND:
            raise ValueError(f"{cls.__name__} has no KIND")
        self.kinds[cls.KIND] = cls
        for name, params in cls.INSTANCES.items():
            self.named[name] = (cls, dict(params))

    def register_module(self, module: ModuleType) -> None:
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Analyzer) and obj is not Analyzer and obj.__module__ == module.__name__:
                self.register(obj)

    def load_package(self, package: str = "analysis_service.analyzers") -> None:
        """Register every public module of `package`, descending into subpackages
        (the built-in strategies live in `analyzers/strategies/`)."""
        pkg = importlib.import_module(package)
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
            if info.name.startswith("_"):
                continue
            if info.ispkg:
                self.load_package(f"{package}.{info.name}")
            else:
                self.register_module(importlib.import_module(f"{package}.{info.name}"))

    def load_path(self, folder: str | Path) -> None:
        """Load user analyzers: every `*.py` file of `folder` (not starting with '_')."""
        for path in sorted(Path(folder).glob("*.py")):
            if path.name.startswith("_"):
                continue
            mod_name = f"parayok_user_analyzers.{path.stem}"
            spec = importlib.util.spec_from_file_location(mod_name, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load analyzer file {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[mod_name] = module
            spec.loader.exec_module(module)
            self.register_module(module)

    # --- instances -------------------------------------------------------------------

    def names(self) -> list[str]:
        """Every registered instance name, the seed's order first."""
        out = [n for n in SEED_ORDER if n in self.named]
        out += [n for n in self.named if n not in SEED_ORDER]
        return out

    def create(self, name: str) -> Analyzer:
        entry = self.named.get(name)
        if entry is not None:
            cls, params = entry
            return cls(name, **params)
        for cls in self.kinds.values():
            params2 = cls.instance_params(name)
            if params2 is not None:
                return cls(name, **params2)
        raise UnknownAnalyzerError(f"no such analyzer: {name!r}")

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "kind": cls.KIND,
                "description": cls.DESCRIPTION or (cls.__doc__ or "").strip().split("\n")[0],
                "params": [
                    {"name": p.name, "type": p.type.__name__, "default": p.default, "description": p.description}
                    for p in cls.PARAMS
                ],
                "instances": sorted(cls.INSTANCES),
                "writes": list(cls.WRITES),
                "strategy": cls.IS_STRATEGY,
            }
            for cls in self.kinds.values()
        ]

    def build_box(self, requested: Iterable[str]) -> list[Analyzer]:
        box: list[Analyzer] = []
        by_key: dict[str, Analyzer] = {}
        resolving: list[str] = []

        def add(name: str) -> Analyzer:
            found = by_key.get(name)
            if found is not None:
                return found
            if name in resolving:
                cycle = " -> ".join([*resolving[resolving.index(name) :], name])
                raise AnalyzerCycleError(f"analyzer dependency cycle: {cycle}")
            inst = self.create(name)
            found = by_key.get(inst.id)
            if found is not None:
                by_key[name] = found
                return found
            resolving.append(name)
            try:
                for dep in inst.requires():
                    add(dep)
            finally:
                resolving.pop()
            box.append(inst)
            by_key[name] = inst
            by_key[inst.id] = inst
            return inst

        for name in ALWAYS_REQUIRED:
            add(name)
        for name in requested:
            add(name)
        return box


_default: AnalyzerRegistry | None = None


def default_registry(user_folder: str | Path | None = None) -> AnalyzerRegistry:
    """The built-in analyzers (cached), plus a user folder when given (a fresh registry)."""
    global _default
    if user_folder is not None:
        reg = AnalyzerRegistry()
        reg.load_package()
        reg.load_path(user_folder)
        return reg
    if _default is None:
        _default = AnalyzerRegistry()
        _default.load_package()
    return _default


def order_of(box: Sequence[Analyzer]) -> list[str]:
    return [a.id for a in box]
