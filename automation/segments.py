"""SMS segment counting (GSM 03.38 / UCS-2) and message cost estimates.

Carriers bill SMS per segment, so test mode and previews show how many segments
a body takes: a body that fits the GSM-7 alphabet takes 160 characters in one
segment and 153 per segment once split (the rest carries the concatenation
header); characters of the GSM-7 extension table (``€ [ ] { } ^ ~ | \\`` and form
feed) take two septets. Anything outside the alphabet (emoji, most accents,
non-Latin scripts) switches the whole message to UCS-2: 70 UTF-16 code units in
one segment, 67 per segment once split, an emoji taking two units.

Once split, no character is cut in two: an extension character (an escape
septet and its code) or an emoji (a surrogate pair) that would straddle a
boundary starts the next segment, so the one before carries a unit less. Hence
a 306-septet message takes three segments when an extension character falls
on septets 153-154, not two.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")
LIMITS = {"GSM-7": (160, 153), "UCS-2": (70, 67)}


@dataclass(frozen=True)
class SegmentInfo:
    encoding: str  # "GSM-7" or "UCS-2"
    segments: int
    characters: int  # septets for GSM-7, UTF-16 code units for UCS-2

    def as_dict(self) -> dict[str, object]:
        return {"encoding": self.encoding, "segments": self.segments, "characters": self.characters}


def count_segments(text: str) -> SegmentInfo:
    """How ``text`` is encoded and how many SMS segments it takes (an empty body still costs one)."""
    if all(char in GSM7_BASIC or char in GSM7_EXTENDED for char in text):
        encoding, sizes = "GSM-7", [2 if char in GSM7_EXTENDED else 1 for char in text]
    else:
        encoding, sizes = "UCS-2", [2 if ord(char) > 0xFFFF else 1 for char in text]
    units = sum(sizes)
    single, multi = LIMITS[encoding]
    segments = 1 if units <= single else _parts(sizes, multi)
    return SegmentInfo(encoding=encoding, segments=segments, characters=units)


def _parts(sizes: list[int], capacity: int) -> int:
    """How many parts of ``capacity`` units the characters of ``sizes`` units fill, none split across two."""
    parts, used = 1, 0
    for size in sizes:
        if used + size > capacity:
            parts, used = parts + 1, 0
        used += size
    return parts


def estimate_cost(channel: str, segments: int = 1) -> Decimal:
    """Estimated price of a message on ``channel`` (``segments`` SMS segments), from ``MESSAGE_PRICES``."""
    price = settings.MESSAGE_PRICES.get(channel)
    if price is None:
        return Decimal("0")
    return Decimal(str(price)) * max(segments, 1)
