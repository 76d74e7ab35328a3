"""Numbers the operator vouches for: their alerts are withheld (and counted), never their state.

A carrier knows its enterprise customers.  A registered outbound call centre, a hospital's reminder line or a
courier firm's number block can look like a farm or a robocall by its calls alone (docs/detection.md: other
generators' call centres are the commonest false alarm), and an operations team that has checked one wants
to stop hearing about it without switching anything else off.  So the alert policy withholds the alerts of
the numbers listed here (:class:`detector.policy.AlertPolicy`), and the edges count them by typology and
severity (``alerts_withheld`` in the replay's summary and report, ``cdr_detector_alerts_withheld_total`` in
the metrics): a listed line that starts to misbehave shows as a rise there.  Everything else about a listed
number is as for any other: its state, its features, its episodes, so taking it off the list lets its next
alert out at once, judged on its whole history.

The file is plain text, one entry a line::

    # registered call centre, ACME Ltd (ticket 4711)
    +442071234567
    +44207123456*      # a prefix: every number of the block
    +49 30 1234 5678   # spaces inside an entry are ignored

``#`` starts a comment (to the end of the line); blank lines are skipped.  An entry is ``+`` and 1-15 digits
(E.164, as in the CDRs), or such a prefix followed by ``*``.  Anything else is an error naming the line: a typo
in an allowlist must not silently allow nothing (or everything).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

MAX_DIGITS = 15  # E.164
#: A prefix of this many digits or fewer spans a country code and an operator's whole range, not one customer's
#: block: allowed (it is the operator's call), but the replay and the worker warn about it.
BROAD_PREFIX_DIGITS = 5


class AllowlistError(ValueError):
    """A line of an allowlist that is not a number or a prefix; the message names the source and line."""


class Allowlist:
    """Exact numbers and number prefixes; :meth:`covers` answers in a handful of set look-ups."""

    __slots__ = ("numbers", "prefixes", "_lengths")

    def __init__(self, numbers: Iterable[str] = (), prefixes: Iterable[str] = ()) -> None:
        self.numbers: frozenset[str] = frozenset(numbers)
        self.prefixes: frozenset[str] = frozenset(prefixes)
        for entry in self.numbers | self.prefixes:
            if not _is_e164(entry):
                raise AllowlistError(f"not an E.164 number or prefix: {entry!r}")
        # A number is covered by a prefix when its first len(prefix) characters are one: one look-up a length.
        self._lengths: tuple[int, ...] = tuple(sorted({len(p) for p in self.prefixes}))

    @classmethod
    def parse(cls, lines: Iterable[str], source: str = "allowlist") -> Allowlist:
        """Entries from text lines (see the module docstring); AllowlistError names ``source`` and the line."""
        numbers: list[str] = []
        prefixes: list[str] = []
        for lineno, line in enumerate(lines, 1):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            prefix = text.endswith("*")
            entry = (text[:-1] if prefix else text).replace(" ", "")
            if not _is_e164(entry):
                raise AllowlistError(f"{source}:{lineno}: expected +digits (E.164) or +digits*, got {text!r}")
            (prefixes if prefix else numbers).append(entry)
        return cls(numbers, prefixes)

    @classmethod
    def read(cls, path: Path) -> Allowlist:
        """The allowlist in file ``path`` (UTF-8 text); AllowlistError if it cannot be read or a line is bad."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise AllowlistError(f"{path}: cannot read the allowlist ({exc})") from None
        return cls.parse(text.splitlines(), str(path))

    def covers(self, number: str) -> bool:
        """Whether ``number`` is listed, exactly or under one of the prefixes."""
        if number in self.numbers:
            return True
        prefixes = self.prefixes
        for n in self._lengths:
            if n > len(number):
                break
            if number[:n] in prefixes:
                return True
        return False

    def broad(self) -> list[str]:
        """Prefixes short enough to cover a whole range (:data:`BROAD_PREFIX_DIGITS`), sorted: worth a warning."""
        return sorted(p for p in self.prefixes if len(p) - 1 <= BROAD_PREFIX_DIGITS)

    def broad_warning(self, source: str) -> str | None:
        """The warning the replay prints and the worker logs about :meth:`broad` prefixes (None: none)."""
        broad = self.broad()
        if not broad:
            return None
        return (f"{source}: prefixes that cover whole ranges, every number under them withheld: "
                + ", ".join(p + "*" for p in broad))

    def __len__(self) -> int:
        return len(self.numbers) + len(self.prefixes)

    def __repr__(self) -> str:
        return f"Allowlist({len(self.numbers)} numbers, {len(self.prefixes)} prefixes)"


def _is_e164(entry: str) -> bool:
    digits = entry[1:]
    return entry[:1] == "+" and 1 <= len(digits) <= MAX_DIGITS and digits.isascii() and digits.isdigit()
