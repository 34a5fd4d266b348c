"""Build tags that name a configuration uniquely.

A configuration's readable tag (`tag`) names its main fields; build folders, cache entries and
test ids need a name that differs for every configuration, so `unique_tag` appends every other
field that differs from its default (`_<field><value>`). A configuration class lists the fields
its readable tag already shows in TAG_FIELDS."""

from __future__ import annotations

import dataclasses
import re
from typing import Any


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return dataclasses.MISSING


def untagged_changes(config: Any) -> dict[str, Any]:
    """Fields that differ from their defaults and that the readable tag does not show."""
    shown = set(getattr(type(config), "TAG_FIELDS", ()))
    return {f.name: getattr(config, f.name) for f in dataclasses.fields(config)
            if f.name not in shown and getattr(config, f.name) != _default(f)}


def unique_tag(config: Any) -> str:
    suffix = "".join(f"_{name}{re.sub(r'[^A-Za-z0-9]+', '', str(value).replace('-', 'm'))}"
                     for name, value in untagged_changes(config).items())
    return f"{config.tag}{suffix}"
