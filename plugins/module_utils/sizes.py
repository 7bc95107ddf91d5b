# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Parse and format byte sizes: decimal SI (kB, MB, GB) and binary IEC (KiB, MiB, GiB) units."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Exact multipliers. SI prefixes are powers of 1000, IEC prefixes are powers of 1024.
UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "t": 1000**4,
    "tb": 1000**4,
    "p": 1000**5,
    "pb": 1000**5,
    "ki": 1024,
    "kib": 1024,
    "mi": 1024**2,
    "mib": 1024**2,
    "gi": 1024**3,
    "gib": 1024**3,
    "ti": 1024**4,
    "tib": 1024**4,
    "pi": 1024**5,
    "pib": 1024**5,
}

_SIZE_RE = re.compile(r"^\s*(?P<num>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(?P<unit>[A-Za-z]*)\s*$")

SI_STEPS = (("PB", 1000**5), ("TB", 1000**4), ("GB", 1000**3), ("MB", 1000**2), ("kB", 1000))
IEC_STEPS = (("PiB", 1024**5), ("TiB", 1024**4), ("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024))


class SizeError(ValueError):
    """Raised for a size that cannot be parsed; the message names the offending value."""


def parse_size(value: object) -> int:
    """Return a number of bytes for ``value``.

    ``value`` is a non-negative integer (bytes) or a string such as ``600MB``, ``0.6GiB``,
    ``120 MiB``, ``1.5 GB`` or ``4096``. Unit names are case-insensitive; ``kB``/``MB``/``GB``
    are decimal (1000-based), ``KiB``/``MiB``/``GiB`` are binary (1024-based). Fractions are
    computed exactly and rounded half up to a whole byte.
    """
    if isinstance(value, bool) or value is None:
        raise SizeError("invalid size %r: expected bytes or a string like '600MB'" % (value,))
    if isinstance(value, int):
        if value < 0:
            raise SizeError("invalid size %r: must not be negative" % (value,))
        return value
    if isinstance(value, float):
        value = repr(value)
    if not isinstance(value, str):
        raise SizeError("invalid size %r: expected bytes or a string like '600MB'" % (value,))
    text = value.strip()
    if text.startswith("-"):
        raise SizeError("invalid size %r: must not be negative" % (value,))
    match = _SIZE_RE.match(text)
    if not match:
        raise SizeError("invalid size %r: expected a number with an optional unit" % (value,))
    unit = match.group("unit")
    factor = UNITS.get(unit.lower())
    if factor is None:
        raise SizeError(
            "invalid size %r: unknown unit %r (use B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)"
            % (value, unit)
        )
    try:
        number = Decimal(match.group("num"))
    except InvalidOperation:  # pragma: no cover - the regex already guarantees a number
        raise SizeError("invalid size %r" % (value,)) from None
    return int((number * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_size(num_bytes: int, units: str = "si") -> str:
    """Format bytes with three significant digits: ``1.21 GB``, ``600 MB``, ``512 B``.

    ``units`` is ``si`` (kB, MB, GB) or ``iec`` (KiB, MiB, GiB).
    """
    steps = IEC_STEPS if units == "iec" else SI_STEPS
    sign = "-" if num_bytes < 0 else ""
    amount = abs(int(num_bytes))
    for name, factor in steps:
        if amount >= factor:
            value = Decimal(amount) / Decimal(factor)
            if value >= 100:
                digits = Decimal(1)
            elif value >= 10:
                digits = Decimal("0.1")
            else:
                digits = Decimal("0.01")
            text = str(value.quantize(digits, rounding=ROUND_HALF_UP))
            if "." in text:
                text = text.rstrip("0").rstrip(".")
            return "%s%s %s" % (sign, text, name)
    return "%s%d B" % (sign, amount)
