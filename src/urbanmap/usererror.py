"""One shape for every failure a person reads about (after pygeoapi's provider errors).

``code`` is stable for programs and the audit log, :meth:`message` is for
people (zh/en: what is wrong and what to do next), ``detail`` is for the log
only and never shown in the UI.
"""

from __future__ import annotations


class UserFacingError(Exception):
    code = "error"
    zh = "操作失败。"
    en = "The operation failed."

    def __init__(self, detail: str = "", *, zh: str | None = None, en: str | None = None):
        self.detail = detail or self.en
        if zh is not None:
            self.zh = zh
        if en is not None:
            self.en = en
        super().__init__(self.detail)

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh
