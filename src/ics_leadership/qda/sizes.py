"""Sizes and ratios as the user writes them (``--max-size 2GiB``, ``--max-ratio 100``) and as messages show them.

Separate from the caps themselves (:mod:`ics_leadership.qda.limits`): parsing is the command line's
concern, and what a message prints must read like what the user may type back.
"""

from __future__ import annotations

import math
import re

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30


def format_size(n: float) -> str:
    for unit, size in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} bytes"


def parse_size(text: str) -> int:
    """Read a size such as ``2GiB``, ``500MB`` or ``1048576`` (bytes); it must be at least 1 byte.

    Raises
    ------
    ValueError
        Not a size, or zero (a cap of 0 would refuse everything; negative sizes are not sizes).
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]i?B?|B)?\s*", text, flags=re.IGNORECASE)
    if not match:
        raise ValueError(f"'{text}' is not a size (examples: 2GiB, 500MiB, 1048576)")
    number, unit = float(match.group(1)), (match.group(2) or "B").upper()
    factor = {"B": 1, "K": KiB, "M": MiB, "G": GiB}[unit[0]]
    size = int(number * factor)
    if size < 1:
        raise ValueError(f"'{text}' is not above 0 bytes (examples: 2GiB, 500MiB, 1048576)")
    return size


def parse_ratio(text: str) -> float:
    """Read a compression-ratio cap such as ``100`` (meaning 100:1): a finite number of at least 1.

    Raises
    ------
    ValueError
        Not a number, or nan, infinite, or below 1 (0 and negatives included).
    """
    try:
        ratio = float(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a number (example: 100, meaning 100:1)") from None
    if not math.isfinite(ratio) or ratio < 1:
        raise ValueError(f"'{text}' is not a finite number of at least 1 (example: 100, meaning 100:1)")
    return ratio
