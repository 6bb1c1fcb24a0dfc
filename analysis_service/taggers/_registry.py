"""Static tagger discovery (seed: src/vm/Orders/taggers/TaggersStatic.js).

Taggers are discovered from the `analysis_service.taggers` package (and optionally a user
folder of `.py` files); they run in the seed's order, then any others by kind. An entry's
tags are the merge of every tagger's result in that order.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import sys
from pathlib import Path
from types import ModuleType

from analysis_service.entries.entry import Entry, Tag, TagDescription
from analysis_service.taggers._base import StaticTagger, TagContext

# TaggersStatic's list order (it decides the key order of an entry's tags)
SEED_ORDER: tuple[str, ...] = ("macdf", "sessions", "rsi", "lr", "mag", "mat", "hlt", "maxprf", "btc")


class TaggerRegistry:
    def __init__(self) -> None:
        self.kinds: dict[str, type[StaticTagger]] = {}

    def register(self, cls: type[StaticTagger]) -> None:
        if not cls.KIND:
            raise ValueError(f"{cls.__name__} has no KIND")
        self.kinds[cls.KIND] = cls

    def register_module(self, module: ModuleType) -> None:
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, StaticTagger) and obj is not StaticTagger and obj.__module__ == module.__name__:
                self.register(obj)

    def load_package(self, package: str = "analysis_service.taggers") -> None:
        pkg = importlib.import_module(package)
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
            if not info.name.startswith("_"):
                self.register_module(importlib.import_module(f"{package}.{info.name}"))

    def load_path(self, folder: str | Path) -> None:
        """User taggers: every `*.py` of `folder` not starting with '_'."""
        for path in sorted(Path(folder).glob("*.py")):
            if path.name.startswith("_"):
                continue
            mod_name = f"parayok_user_taggers.{path.stem}"
            spec = importlib.util.spec_from_file_location(mod_name, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load tagger file {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[mod_name] = module
            spec.loader.exec_module(module)
            self.register_module(module)

    def ordered_kinds(self) -> list[str]:
        out = [k for k in SEED_ORDER if k in self.kinds]
        return out + sorted(k for k in self.kinds if k not in SEED_ORDER)

    def create_all(self) -> list[StaticTagger]:
        return [self.kinds[k]() for k in self.ordered_kinds()]

    def descriptions(self) -> list[TagDescription]:
        return [d for k in self.ordered_kinds() for d in self.kinds[k].DESCRIPTIONS]


def apply_static_tags(taggers: list[StaticTagger], entry: Entry, ctx: TagContext) -> dict[str, Tag]:
    tags: dict[str, Tag] = {}
    for t in taggers:
        got = t.tags(entry, ctx)
        if got:
            tags.update(got)
    return tags


_default: TaggerRegistry | None = None


def default_tagger_registry(user_folder: str | Path | None = None) -> TaggerRegistry:
    """The built-in taggers (cached), plus a user folder when given (a fresh registry)."""
    global _default
    if user_folder is not None:
        reg = TaggerRegistry()
        reg.load_package()
        reg.load_path(user_folder)
        return reg
    if _default is None:
        _default = TaggerRegistry()
        _default.load_package()
    return _default
