"""analysis_service settings (``PARAYOK_*``)."""

from __future__ import annotations

from pathlib import Path

from parayok.settings import ServiceSettings


class AnalysisSettings(ServiceSettings):
    # A folder of user analyzer modules, loaded beside the built-in ones.
    analyzers_dir: Path | None = None
