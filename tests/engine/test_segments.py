"""SMS segments at the GSM-7 / UCS-2 boundaries, and cost estimates."""
from decimal import Decimal

import pytest

from automation.segments import count_segments, estimate_cost


@pytest.mark.parametrize(
    ("text", "encoding", "segments", "characters"),
    [
        ("", "GSM-7", 1, 0),
        ("a" * 160, "GSM-7", 1, 160),
        ("a" * 161, "GSM-7", 2, 161),
        ("a" * 306, "GSM-7", 2, 306),
        ("a" * 307, "GSM-7", 3, 307),
        ("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¡ÄÖÑÜ§¿äöñüà", "GSM-7", 1, 41),
        ("€" * 80, "GSM-7", 1, 160),  # extension characters count twice
        ("€" * 81, "GSM-7", 2, 162),
        ("a" * 158 + "[", "GSM-7", 1, 160),
        ("a" * 159 + "[", "GSM-7", 2, 161),
        ("{}\\~^|]", "GSM-7", 1, 14),
        # An extension character is never split across two parts of 153 septets:
        ("a" * 151 + "€" + "a" * 153, "GSM-7", 2, 306),  # septets 152-153: fits the first part
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 3, 306),  # septets 153-154: starts the second, which overflows
        ("a" * 152 + "|" + "a" * 151, "GSM-7", 2, 305),
        ("~" * 153, "GSM-7", 3, 306),  # 76 per part (152 septets)
        ("~" * 152, "GSM-7", 2, 304),
        ("ç" * 70, "UCS-2", 1, 70),  # lower-case c cedilla is not in GSM-7
        ("a" * 69 + "ç", "UCS-2", 1, 70),
        ("a" * 70 + "ç", "UCS-2", 2, 71),
        ("😀" * 35, "UCS-2", 1, 70),  # an emoji is two UTF-16 units
        ("😀" * 36, "UCS-2", 2, 72),
        # Nor is an emoji's surrogate pair split across two parts of 67 units:
        ("ç" + "a" * 64 + "😀" + "a" * 67, "UCS-2", 2, 134),  # units 66-67: fits the first part
        ("ç" + "a" * 65 + "😀" + "a" * 66, "UCS-2", 3, 134),  # units 67-68: starts the second, which overflows
        ("😀" * 66, "UCS-2", 2, 132),  # 33 per part (66 units)
        ("😀" * 67, "UCS-2", 3, 134),
        ("я" * 134, "UCS-2", 2, 134),
        ("я" * 135, "UCS-2", 3, 135),
    ],
)
def test_count_segments(text, encoding, segments, characters):
    info = count_segments(text)
    assert (info.encoding, info.segments, info.characters) == (encoding, segments, characters)


def test_estimate_cost(settings):
    settings.MESSAGE_PRICES = {"sms": "0.0079", "email": "0.0004"}
    assert estimate_cost("sms", 3) == Decimal("0.0237")
    assert estimate_cost("email") == Decimal("0.0004")
    assert estimate_cost("pigeon") == Decimal("0")
