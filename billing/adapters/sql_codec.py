"""Entity <-> row mapping driven by the dataclass type hints (enums and nested value objects)."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import TypeVar, cast

T = TypeVar("T")
# Turns a stored column value back into the attribute's type (an enum, a nested value object).
Convert = Callable[[object], object]


def to_row(entity: object) -> dict[str, object]:
    row: dict[str, object] = {}
    for f in dataclasses.fields(entity):  # type: ignore[arg-type]
        value = getattr(entity, f.name)
        if isinstance(value, enum.Enum):
            value = value.value
        elif dataclasses.is_dataclass(value):
            value = dataclasses.asdict(value)  # type: ignore[arg-type]
        row[f.name] = value
    return row


def from_row(cls: type[T], row: typing.Mapping[str, object]) -> T:
    entity: type = cls
    make: Callable[..., T] = cls  # an entity dataclass, built from its columns by keyword
    return make(**{name: convert(row[name]) for name, convert in _converters(entity).items()})


@cache
def _converters(cls: type) -> dict[str, Convert]:
    hints = typing.get_type_hints(cls)
    return {f.name: _converter(hints[f.name]) for f in dataclasses.fields(cls)}


def _converter(hint: object) -> Convert:
    inner = _strip_optional(hint)
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return lambda v: None if v is None else inner(v)
    if isinstance(inner, type) and dataclasses.is_dataclass(inner):
        value_object: Callable[..., object] = inner
        return lambda v: None if v is None else value_object(**cast("dict[str, object]", v))
    return lambda v: v


def _strip_optional(hint: object) -> object:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0] if len(args) == 1 else hint
    return hint
