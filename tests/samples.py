"""Records shared by the tests of the parser and of the schemas, which must agree on them."""

from __future__ import annotations

from typing import Any

#: One valid CDR with every optional field: the parser accepts it and the schema validates it.
GOOD_CDR: dict[str, Any] = {
    "cdr_id": "c-000001",
    "record_type": "voice",
    "caller": "+8613800138000",
    "callee": "+441632960123",
    "start_time": "2024-05-01T21:15:03.250+08:00",
    "duration_s": 42.5,
    "disposition": "answered",
    "cell_id": "460-00-1234-56789",
    "imei": "490154203237518",
}
