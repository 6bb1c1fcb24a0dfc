"""The committed stubs are exactly what `make proto` generates from proto/."""

from __future__ import annotations

from pathlib import Path

from parayok import protogen

ROOT = Path(__file__).resolve().parents[2]


def test_generated_stubs_match_proto(tmp_path: Path) -> None:
    protogen.generate(tmp_path)
    generated = sorted(p.name for p in (tmp_path / "parayok" / "v1").iterdir())
    committed = sorted(
        p.name for p in (ROOT / "parayok" / "v1").iterdir()
        if p.suffix in {".py", ".pyi"} and p.name != "__init__.py"
    )
    assert generated == committed, "stub files differ: run `make proto` and commit"
    for name in generated:
        fresh = (tmp_path / "parayok" / "v1" / name).read_text()
        assert fresh == (ROOT / "parayok" / "v1" / name).read_text(), f"{name} drifted: run `make proto`"

