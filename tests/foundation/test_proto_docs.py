"""Every declaration of the parayok.v1 API carries a comment.

Other languages call the protos directly, so the comments are the API's documentation. protoc
compiles every `proto/parayok/v1/*.proto` with `--include_source_info`; each service, method,
message, field, enum and enum value must then have a leading or trailing comment (detached
comments, separated by a blank line, do not count). Only field-less `...Request`/`...Response`
messages (e.g. `message ListVmsRequest {}`) may go without one.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from google.protobuf import descriptor_pb2
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[2]
PROTO_ROOT = ROOT / "proto"
API_DIR = PROTO_ROOT / "parayok" / "v1"

# Field numbers inside descriptor.proto, used to build SourceCodeInfo paths.
FILE_MESSAGE_TYPE = 4
FILE_ENUM_TYPE = 5
FILE_SERVICE = 6
MESSAGE_FIELD = 2
MESSAGE_NESTED_TYPE = 3
MESSAGE_ENUM_TYPE = 4
ENUM_VALUE = 2
SERVICE_METHOD = 2

Path_ = tuple[int, ...]


def _descriptor_set(out: Path) -> descriptor_pb2.FileDescriptorSet:
    well_known = resources.files("grpc_tools") / "_proto"
    files = sorted(str(p.relative_to(PROTO_ROOT)) for p in API_DIR.glob("*.proto"))
    assert files, f"no .proto under {API_DIR}"
    code = protoc.main([
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        "--include_source_info",
        f"--descriptor_set_out={out}",
        *files,
    ])
    assert code == 0, f"protoc failed with exit code {code}"
    fds = descriptor_pb2.FileDescriptorSet()
    fds.ParseFromString(out.read_bytes())
    return fds


def _enum_decls(enum: descriptor_pb2.EnumDescriptorProto, path: Path_, scope: str) -> Iterator[tuple[str, str, Path_]]:
    name = f"{scope}{enum.name}"
    yield "enum", name, path
    for i, value in enumerate(enum.value):
        yield "enum value", f"{name}.{value.name}", (*path, ENUM_VALUE, i)


def _message_decls(msg: descriptor_pb2.DescriptorProto, path: Path_, scope: str) -> Iterator[tuple[str, str, Path_]]:
    name = f"{scope}{msg.name}"
    exempt = not msg.field and msg.name.endswith(("Request", "Response"))
    if not exempt:
        yield "message", name, path
    for i, field in enumerate(msg.field):
        yield "field", f"{name}.{field.name}", (*path, MESSAGE_FIELD, i)
    for i, nested in enumerate(msg.nested_type):
        if nested.options.map_entry:  # synthetic entry type of a map<,> field
            continue
        yield from _message_decls(nested, (*path, MESSAGE_NESTED_TYPE, i), f"{name}.")
    for i, enum in enumerate(msg.enum_type):
        yield from _enum_decls(enum, (*path, MESSAGE_ENUM_TYPE, i), f"{name}.")


def _file_decls(file: descriptor_pb2.FileDescriptorProto) -> Iterator[tuple[str, str, Path_]]:
    for i, msg in enumerate(file.message_type):
        yield from _message_decls(msg, (FILE_MESSAGE_TYPE, i), "")
    for i, enum in enumerate(file.enum_type):
        yield from _enum_decls(enum, (FILE_ENUM_TYPE, i), "")
    for i, service in enumerate(file.service):
        yield "service", service.name, (FILE_SERVICE, i)
        for j, method in enumerate(service.method):
            yield "rpc", f"{service.name}.{method.name}", (FILE_SERVICE, i, SERVICE_METHOD, j)


def undocumented_declarations(tmp_dir: Path) -> tuple[int, list[str]]:
    """(number of declarations checked, "file:line kind name" of each one without a comment)."""
    fds = _descriptor_set(tmp_dir / "parayok_v1.fds")
    checked = 0
    missing: list[str] = []
    for file in fds.file:
        if not file.name.startswith("parayok/v1/"):
            continue
        locations = {tuple(loc.path): loc for loc in file.source_code_info.location}
        for kind, name, path in _file_decls(file):
            checked += 1
            loc = locations.get(path)
            if loc is not None and (loc.leading_comments.strip() or loc.trailing_comments.strip()):
                continue
            line = loc.span[0] + 1 if loc is not None else 0
            missing.append(f"{file.name}:{line}: {kind} {name}")
    return checked, missing


def test_every_declaration_has_a_comment(tmp_path: Path) -> None:
    checked, missing = undocumented_declarations(tmp_path)
    assert checked > 300, f"only {checked} declarations found: is the parser looking at the right files?"
    assert not missing, (
        f"{len(missing)} of {checked} declarations have no leading or trailing // comment "
        "saying what they mean (units, empty/zero meaning, allowed values):\n  " + "\n  ".join(missing)
    )
