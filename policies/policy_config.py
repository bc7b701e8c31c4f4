"""Typed policy configuration: one pydantic model per rule gives the defaults, the validation and
the ``config_schema`` the pack publishes, so the three never disagree.

Keys are camelCase as in a ``--policy-pack-config`` file. Cap defaults come from
:class:`thrifty.caps.CapsConfig`, the same model a stack's ``thrifty:caps`` is read with, so
the pack and the components agree on what an environment allows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pulumi_policy import PolicyConfigSchema
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from thrifty.caps import CapsConfig
from thrifty.policies.core import NotCheckable

Environment = Literal["development", "staging", "production"]

#: The caps every environment starts from (a stack file or pack config file narrows them).
DEFAULT_CAPS = CapsConfig()

ConfigT = TypeVar("ConfigT", bound="PolicyConfig")


class PolicyConfig(BaseModel):
    """Base for a rule's config: camelCase keys, defaults for every field, unknown keys ignored.

    Unknown keys are ignored rather than rejected because the engine validates a config file
    against the published schema before the pack sees it, and packs must tolerate keys added by
    newer config files.
    """

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )

    @classmethod
    def parse(cls: type[ConfigT], raw: Mapping[str, Any] | None) -> ConfigT:
        """The rule's config from what the engine sent; a bad value makes the rule not checkable."""
        try:
            return cls.model_validate(dict(raw or {}))
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in detail['loc']) or '<root>'}: {detail['msg']}"
                for detail in error.errors()
            )
            raise NotCheckable(f"invalid policy config: {problems}") from None

    @classmethod
    def config_schema(cls) -> PolicyConfigSchema:
        """The JSON schema of each key, with its default, as ``PolicyConfigSchema`` wants it."""
        schema = cls.model_json_schema(by_alias=True)
        defaults = cls().model_dump(by_alias=True, mode="json")
        properties: dict[str, dict[str, Any]] = {}
        for key, prop in schema.get("properties", {}).items():
            prop = {name: value for name, value in prop.items() if name != "title"}
            prop["default"] = defaults[key]
            properties[key] = prop
        return PolicyConfigSchema(properties=properties)


class EmptyConfig(PolicyConfig):
    """For rules that take no settings besides their enforcement level."""
