"""The wire module's shared encodings: a Raw value's per-transport packets and text with cached UTF-8."""

from __future__ import annotations

from web_bridge import wire


def test_a_raw_values_packet_is_built_once_per_key() -> None:
    raw = wire.Raw('{"a":[1,2]}')
    built: list[str] = []

    def build(prefix: str) -> str:
        built.append(prefix)
        return prefix + raw.text

    assert raw.packet("k1", lambda: build("x")) == 'x{"a":[1,2]}'
    assert raw.packet("k1", lambda: build("y")) == 'x{"a":[1,2]}'
    assert raw.packet("k2", lambda: build("z")) == 'z{"a":[1,2]}'
    assert built == ["x", "z"]
    assert wire.dumps(["chart", raw]) == '["chart",{"a":[1,2]}]'


def test_utf8_text_is_text_with_its_bytes_kept() -> None:
    t = wire.Utf8Text('42["chart","é"]')
    assert t == '42["chart","é"]' and isinstance(t, str)
    assert t.encode("utf-8") is t.encode() and t.encode() == '42["chart","é"]'.encode()
    assert t.encode("utf-16-le") == '42["chart","é"]'.encode("utf-16-le")
    assert f"{len(t)}:{t}" == '15:42["chart","é"]'
