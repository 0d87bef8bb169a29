"""A bytes holder that never shows its content in a repr, a log or a traceback."""

from __future__ import annotations


class Secret:
    """Key material. `repr()` and `str()` are masked; `reveal()` is explicit."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        self._value = value

    def reveal(self) -> bytes:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        from hmac import compare_digest

        return isinstance(other, Secret) and compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return id(self)
