"""Student records: what may be shown of them."""

from __future__ import annotations

#: Characters of a 身份证号 shown at each end; everything between is masked.
ID_SHOWN = 4


def mask_id_number(id_number: str) -> str:
    """``5101**********1234``: the first four and the last four characters shown,
    every one between masked; a value too short to keep anything hidden is
    masked entirely. Masking a masked value changes nothing."""
    if len(id_number) <= 2 * ID_SHOWN:
        return "*" * len(id_number)
    return id_number[:ID_SHOWN] + "*" * (len(id_number) - 2 * ID_SHOWN) + id_number[-ID_SHOWN:]
