"""Domain errors: a stable machine code plus a message in Chinese and English."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken. ``code`` is stable; messages are for people."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en

    def message(self, lang: str = "zh") -> str:
        return self.message_en if lang == "en" else self.message_zh
