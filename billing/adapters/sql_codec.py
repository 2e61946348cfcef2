"""Entity <-> row mapping driven by the dataclass type hints (enums and nested value objects)."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any


def to_row(entity: object) -> dict[str, Any]:
    row = {}
    for f in dataclasses.fields(entity):  # type: ignore[arg-type]
        value = getattr(entity, f.name)
        if isinstance(value, enum.Enum):
            value = value.value
        elif dataclasses.is_dataclass(value):
            value = dataclasses.asdict(value)  # type: ignore[arg-type]
        row[f.name] = value
    return row


def from_row(cls: type, row: typing.Mapping[str, Any]) -> Any:
    return cls(**{name: convert(row[name]) for name, convert in _converters(cls).items()})


@cache
def _converters(cls: type) -> dict[str, Callable[[Any], Any]]:
    hints = typing.get_type_hints(cls)
    return {f.name: _converter(hints[f.name]) for f in dataclasses.fields(cls)}


def _converter(hint: Any) -> Callable[[Any], Any]:
    inner = _strip_optional(hint)
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return lambda v: None if v is None else inner(v)
    if isinstance(inner, type) and dataclasses.is_dataclass(inner):
        return lambda v: None if v is None else inner(**v)
    return lambda v: v


def _strip_optional(hint: Any) -> Any:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0] if len(args) == 1 else hint
    return hint
