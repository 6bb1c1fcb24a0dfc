"""Generates the Python stubs of `proto/` into `parayok/v1/` (``make proto``).

The stubs are committed so that the services run without a build step; a test regenerates them
into a temporary folder and fails if they drift from the committed ones.
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"


def proto_files() -> list[Path]:
    return sorted((PROTO_DIR / "parayok" / "v1").glob("*.proto"))


def generate(out_dir: Path) -> None:
    """Writes `parayok/v1/*_pb2.py`, `*_pb2_grpc.py` and `*.pyi` below ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    well_known = resources.files("grpc_tools") / "_proto"
    files = [str(p.relative_to(PROTO_DIR)) for p in proto_files()]
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_DIR}",
        f"-I{well_known}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *files,
    ]
    code = protoc.main(args)
    if code != 0:
        raise RuntimeError(f"protoc failed with exit code {code}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT, help="folder that receives parayok/v1/…")
    args = parser.parse_args(argv)
    generate(args.out)
    init = args.out / "parayok" / "v1" / "__init__.py"
    if not init.exists():
        init.write_text('"""Generated gRPC stubs of the parayok.v1 API (make proto)."""\n')
    return 0


if __name__ == "__main__":
    sys.exit(main())
