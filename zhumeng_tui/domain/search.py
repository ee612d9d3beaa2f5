"""What the search box matches: the one rule, used by every list.

A search text becomes a few :class:`Term` s, any of which matches (OR). The
cache answers them in SQL (:func:`zhumeng_tui.cache.search.terms_sql`) and
the review queue's in-memory index in Arrow (``SearchIndex``); both read these
terms, so the rule lives only here:

- digits: the start of a 学号 (``2023`` finds 20230001);
- letters (spaces ignored): pinyin initials (``zs`` finds 张三), the start of
  the full pinyin (``zhangs``), or the start of a 学号 in any case (``sy21``
  finds SY2106123);
- Chinese: part of a 姓名 (``芳`` finds 王芳; two-character names included);
- anything else (``sy21`` mixes letters and digits): part of a 姓名 or the
  start of a 学号 in any case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: The searchable fields (columns of the cache's application and student rows).
Field = Literal["student_no", "name", "py_initials", "py_full"]


@dataclass(frozen=True)
class Term:
    """``field`` starts with (``prefix``) or contains ``value``; case-sensitive."""

    kind: Literal["prefix", "contains"]
    field: Field
    value: str


def search_terms(text: str) -> tuple[Term, ...]:
    """The terms for a search text (any one matches); () for no text."""
    t = text.strip()
    if not t:
        return ()
    if t.isdigit():
        return (Term("prefix", "student_no", t),)
    letters = t.replace(" ", "")
    if t.isascii() and letters.isalpha():
        low = letters.lower()
        # one letter: the full pinyin starts with the same letter as the
        # initials, so the initials term already finds those names
        full = () if len(low) == 1 else (Term("prefix", "py_full", low),)
        return (Term("prefix", "py_initials", low), *full, Term("prefix", "student_no", low.upper()))
    if not t.isascii():  # Chinese: a 学号 never holds it
        return (Term("contains", "name", t),)
    return (Term("contains", "name", t), Term("prefix", "student_no", t.upper()))
