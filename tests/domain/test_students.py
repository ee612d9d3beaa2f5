from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhumeng_tui.domain.students import mask_id_number


@pytest.mark.parametrize(
    ("id_number", "shown"),
    [
        ("510104200001011234", "5101**********1234"),
        ("51010420000101123X", "5101**********123X"),
        ("510104000101123", "5101*******1123"),  # a 15-digit number of the old format
        ("5101**********1234", "5101**********1234"),  # masked already
        ("12345678", "********"),  # too short to show any of it
        ("", ""),
    ],
)
def test_first_four_and_last_four_shown(id_number: str, shown: str) -> None:
    assert mask_id_number(id_number) == shown


@given(st.text(alphabet="0123456789X*", max_size=30))
def test_masking_keeps_the_length_hides_the_middle_and_is_idempotent(id_number: str) -> None:
    masked = mask_id_number(id_number)
    assert len(masked) == len(id_number)
    assert masked[4:-4].strip("*") == ""
    if len(id_number) > 8:
        assert (masked[:4], masked[-4:]) == (id_number[:4], id_number[-4:])
    else:
        assert set(masked) <= {"*"}
    assert mask_id_number(masked) == masked
