"""Fields of a fixed binary record, written and read natively under mypyc: the pieces the generated
:mod:`detector.statevalues` is made of (compiled with the core, so its calls here are C calls).

A float is 8 bytes (IEEE 754, little-endian: exact, bit for bit); an int a little-endian i64, or, when it does
not fit a machine word (a 512-bit Bloom generation), the marker ``BIG_INT`` then an i32 length and its
two's-complement bytes; a ``str | None`` an i32 length (-1: None) and its UTF-8 bytes.
"""

from __future__ import annotations

from typing import Final

from librt.strings import BytesWriter, read_f64_le, read_i32_le, read_i64_le, write_i32_le, write_i64_le
from mypy_extensions import i64

#: An int field whose value needs more than a machine word: this i64, then the i32 length of its bytes.
BIG_INT: Final[i64] = -9223372036854775807 - 1
# mypyc keeps ints in [-2**62, 2**62) unboxed: comparing against these two is a machine compare.
_SHORT_MIN: Final = -4611686018427387904
_SHORT_MAX: Final = 4611686018427387903


def put_int(b: BytesWriter, v: int) -> None:
    """An int field: an i64, or ``BIG_INT``, the i32 length and the bytes of one too big for it."""
    if _SHORT_MIN <= v <= _SHORT_MAX:
        write_i64_le(b, i64(v))
    else:
        raw = v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)
        write_i64_le(b, BIG_INT)
        write_i32_le(b, len(raw))
        b.write(raw)


def put_str(b: BytesWriter, v: str | None) -> None:
    """A ``str | None`` field: the i32 length of its UTF-8 (-1: None), then the bytes."""
    if v is None:
        write_i32_le(b, -1)
    else:
        raw = v.encode()
        write_i32_le(b, len(raw))
        b.write(raw)


class FieldReader:
    """A position in a record being decoded (every read is bounds-checked: IndexError past the end)."""

    def __init__(self, data: bytes, pos: i64) -> None:
        self.data = data
        self.pos = pos

    def get_float(self) -> float:
        v = read_f64_le(self.data, self.pos)
        self.pos += 8
        return v

    def get_int(self) -> int:
        v = read_i64_le(self.data, self.pos)
        self.pos += 8
        if v != BIG_INT:
            return int(v)
        n = i64(read_i32_le(self.data, self.pos))
        start = self.pos + 4
        end = start + n
        if n < 0 or end > len(self.data):
            raise ValueError("truncated int field")
        self.pos = end
        return int.from_bytes(self.data[start:end], "little", signed=True)

    def get_str(self) -> str | None:
        n = i64(read_i32_le(self.data, self.pos))
        start = self.pos + 4
        self.pos = start
        if n == -1:
            return None
        end = start + n
        if n < 0 or end > len(self.data):
            raise ValueError("truncated str field")
        self.pos = end
        return self.data[start:end].decode()
