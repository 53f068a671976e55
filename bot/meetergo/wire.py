"""The base of meetergo's wire shapes: camelCase on the wire, snake_case in Python."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Wire(BaseModel):
    """camelCase on the wire, snake_case in Python, unknown fields kept rather than refused."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")
