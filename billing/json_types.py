"""JSON as stored and sent: what pending actions, audit entries and errors carry outside the domain's types.

Precise, recursive types, not a catch-all: a value read from stored JSON must be narrowed before use.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ForwardRef, TypeAlias

if TYPE_CHECKING:
    JsonValue: TypeAlias = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]
else:
    # The same type at run time, its self-reference bound to this module: `typing.get_type_hints` on an
    # entity (the SQL mapping reads them) resolves it from wherever the entity is defined.
    _SELF = ForwardRef("JsonValue", module=__name__)
    JsonValue = str | int | float | bool | None | list[_SELF] | dict[str, _SELF]
JsonObject: TypeAlias = dict[str, JsonValue]


def json_list(items: Iterable[str]) -> list[JsonValue]:
    """Strings as a JSON array (a `list[str]` is not a `list[JsonValue]`: lists are invariant)."""
    return list(items)
