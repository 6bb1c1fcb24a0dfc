"""Static taggers: tags put on every emulated entry from the flags (seed:
src/vm/Orders/taggers/TaggersStatic.js and list_static/). One plugin module each."""

from analysis_service.taggers._base import StaticTagger, TagContext
from analysis_service.taggers._registry import (
    SEED_ORDER,
    TaggerRegistry,
    apply_static_tags,
    default_tagger_registry,
)

__all__ = [
    "SEED_ORDER",
    "StaticTagger",
    "TagContext",
    "TaggerRegistry",
    "apply_static_tags",
    "default_tagger_registry",
]
