"""The cost-tag standard: five keys every resource carries, rendered validly for each target.

The guide's "Resource Tagging" section names the keys (``project``, ``environment``, ``team``,
``cost-center``, ``owner``). Each cloud has its own rules for keys and values, so one model holds
the tags and one rendering per target turns them into something that target accepts. A rendering
never silently drops or overwrites a tag: a value it cannot express, or two keys that become the
same key, raise :class:`TagRenderError`.

Rendering rules per target (limits from the clouds' documentation):

* AWS tags: at most 50 per resource, key <= 128 and value <= 256 characters, keys may not
  start with ``aws:``; letters, digits, spaces and ``_ . : / = + - @`` only.
  (docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html "Tag naming limits")
* GCP labels: at most 64; keys 1-63 characters of ``[a-z0-9_-]`` starting with a lowercase
  letter; values 0-63 of ``[a-z0-9_-]``.
  (cloud.google.com/resource-manager/docs/labels-overview "Requirements for labels")
* Azure tags: at most 50; name <= 512 characters (<= 128 on storage accounts), value <= 256;
  names may not contain ``< > % & \\ ? /`` and are case-insensitive.
  (learn.microsoft.com/azure/azure-resource-manager/management/tag-resources "Limitations")
* Kubernetes labels: optional DNS-subdomain prefix, name <= 63 of ``[A-Za-z0-9._-]`` starting
  and ending alphanumeric; value <= 63 of the same, empty or starting and ending alphanumeric.
  (kubernetes.io/docs/concepts/overview/working-with-objects/labels "Syntax and character set")

GCP labels and Kubernetes label values cannot hold ``@`` (and GCP no ``.`` or upper case), so
values are escaped deterministically and reversibly: the value is lower-cased for GCP, ``_`` is
the escape character, and every character the target does not allow becomes a token
``_<name>_``: ``@`` -> ``_at_``, ``.`` -> ``_dot_``, ``+`` -> ``_plus_``, ``_`` -> ``_us_``, any
other character -> ``_x<hex code point>_``. So ``ml-team@company.com`` is the GCP label
``ml-team_at_company_dot_com`` and the Kubernetes label ``ml-team_at_company.com``;
:func:`decode_label_value` turns either back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

Environment = Literal["development", "staging", "production"]
ENVIRONMENTS: tuple[Environment, ...] = ("development", "staging", "production")

#: The five cost-allocation keys, in the guide's order, as they appear on resources.
COST_TAG_KEYS: tuple[str, ...] = ("project", "environment", "team", "cost-center", "owner")

# A slug that every target accepts unchanged (GCP labels, Kubernetes label values, DNS-style
# names): a lowercase letter, then lowercase letters, digits and hyphens, ending alphanumeric,
# at most 63 characters.
SLUG_PATTERN = r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$"

AWS_MAX_TAGS = 50
AWS_MAX_KEY = 128
AWS_MAX_VALUE = 256
_AWS_ALLOWED = re.compile(r"^[\w\s.:/=+\-@]*$", re.UNICODE)

GCP_MAX_LABELS = 64
GCP_MAX_LENGTH = 63
_GCP_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_GCP_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")

AZURE_MAX_TAGS = 50
AZURE_MAX_NAME = 512
AZURE_MAX_NAME_STORAGE_ACCOUNT = 128
AZURE_MAX_VALUE = 256
_AZURE_FORBIDDEN = set("<>%&\\?/")

K8S_MAX_NAME = 63
K8S_MAX_PREFIX = 253
_K8S_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$")
_K8S_PREFIX = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")

_NAMED_ESCAPES = {"@": "at", ".": "dot", "+": "plus", "_": "us"}
_ESCAPE_NAMES = {name: char for char, name in _NAMED_ESCAPES.items()}


class TagRenderError(ValueError):
    """A tag that cannot be expressed on a target, or two tags that would collide there."""


class CostTags(BaseModel):
    """The five cost-allocation keys plus optional extra tags, validated once for every cloud.

    ``project``, ``team`` and ``cost_center`` are slugs (a lowercase letter, then lowercase
    letters, digits and hyphens, ending alphanumeric, at most 63 characters) so that they
    render unchanged on every target.
    ``owner`` is an email address. ``extra`` holds further tags (e.g. ``service``); they may not
    reuse a standard key and are checked per target when rendered.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    project: str = Field(pattern=SLUG_PATTERN, description="Product the spend belongs to.")
    environment: Environment
    team: str = Field(pattern=SLUG_PATTERN, description="Team that owns the resources.")
    cost_center: str = Field(
        alias="cost-center", pattern=SLUG_PATTERN, description="Finance cost centre charged."
    )
    owner: EmailStr = Field(description="A person or list that answers for the spend.")
    extra: dict[str, str] = Field(default_factory=dict, description="Further tags, per target.")

    @field_validator("owner")
    @classmethod
    def _lowercase_owner(cls, value: str) -> str:
        # Mail systems treat addresses case-insensitively in practice; one spelling per owner
        # keeps cost reports grouping correctly and keeps the GCP rendering reversible.
        return value.lower()

    @model_validator(mode="after")
    def _extra_does_not_shadow(self) -> CostTags:
        for key in self.extra:
            if key.lower() in COST_TAG_KEYS:
                raise ValueError(
                    f"extra tag {key!r} reuses a standard cost key; set it through the "
                    f"field itself (allowed extra keys: anything but {', '.join(COST_TAG_KEYS)})"
                )
            if not key:
                raise ValueError("extra tag keys may not be empty")
        return self

    def standard(self) -> dict[str, str]:
        """The five cost keys as plain ``key -> value``, in the guide's order."""
        return {
            "project": self.project,
            "environment": self.environment,
            "team": self.team,
            "cost-center": self.cost_center,
            "owner": str(self.owner),
        }

    def as_dict(self) -> dict[str, str]:
        """Standard keys then extra tags, before any per-target rendering."""
        return {**self.standard(), **self.extra}

    def aws(self) -> dict[str, str]:
        """Render as AWS resource tags."""
        return render_aws(self.as_dict())

    def gcp(self) -> dict[str, str]:
        """Render as GCP labels (owner and other values escaped)."""
        return render_gcp(self.as_dict())

    def azure(self, *, storage_account: bool = False) -> dict[str, str]:
        """Render as Azure tags; storage accounts allow shorter tag names."""
        return render_azure(self.as_dict(), storage_account=storage_account)

    def kubernetes(self) -> dict[str, str]:
        """Render as Kubernetes labels."""
        return render_kubernetes(self.as_dict())


def encode_label_value(value: str, allowed: Callable[[str], bool]) -> str:
    """Escape every character ``allowed`` rejects as ``_<name>_`` (see the module docstring)."""
    out: list[str] = []
    for char in value:
        if char != "_" and allowed(char):
            out.append(char)
        elif char in _NAMED_ESCAPES:
            out.append(f"_{_NAMED_ESCAPES[char]}_")
        else:
            out.append(f"_x{ord(char):x}_")
    return "".join(out)


def decode_label_value(rendered: str) -> str:
    """Invert :func:`encode_label_value` (GCP values decode to the lower-cased original)."""

    def token(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _ESCAPE_NAMES:
            return _ESCAPE_NAMES[name]
        if name.startswith("x"):
            return chr(int(name[1:], 16))
        raise ValueError(f"unknown escape token _{name}_ in {rendered!r}")

    return re.sub(r"_([a-z0-9]+)_", token, rendered)


def _check_unique(rendered_pairs: list[tuple[str, str, str]], target: str, fold: bool) -> None:
    """Raise when two source keys render to the same key on ``target``."""
    seen: dict[str, str] = {}
    for source_key, rendered_key, _ in rendered_pairs:
        identity = rendered_key.lower() if fold else rendered_key
        if identity in seen:
            raise TagRenderError(
                f"{target}: tag keys {seen[identity]!r} and {source_key!r} both render to "
                f"{rendered_key!r}; keys must stay distinct"
                + (" (case-insensitively)" if fold else "")
            )
        seen[identity] = source_key


def _check_count(tags: Mapping[str, str], target: str, limit: int) -> None:
    if len(tags) > limit:
        raise TagRenderError(f"{target}: {len(tags)} tags given, at most {limit} allowed")


def render_aws(tags: Mapping[str, str]) -> dict[str, str]:
    """Validate ``tags`` against AWS tag rules and return them unchanged."""
    _check_count(tags, "AWS", AWS_MAX_TAGS)
    for key, value in tags.items():
        if not key or len(key) > AWS_MAX_KEY:
            raise TagRenderError(f"AWS: tag key {key!r} must be 1-{AWS_MAX_KEY} characters")
        if key.lower().startswith("aws:"):
            raise TagRenderError(f"AWS: tag key {key!r} uses the reserved prefix 'aws:'")
        if len(value) > AWS_MAX_VALUE:
            raise TagRenderError(
                f"AWS: tag {key!r} value is {len(value)} characters, at most {AWS_MAX_VALUE}"
            )
        for part, text in (("key", key), ("value", value)):
            if not _AWS_ALLOWED.match(text):
                raise TagRenderError(
                    f"AWS: tag {part} {text!r} has characters outside letters, digits, "
                    "spaces and _ . : / = + - @"
                )
    _check_unique([(k, k, v) for k, v in tags.items()], "AWS", fold=False)
    return dict(tags)


def _gcp_allowed(char: str) -> bool:
    return char.isascii() and (char.islower() or char.isdigit() or char == "-")


def render_gcp(tags: Mapping[str, str]) -> dict[str, str]:
    """Render ``tags`` as GCP labels: keys must already be valid, values are escaped."""
    _check_count(tags, "GCP", GCP_MAX_LABELS)
    pairs: list[tuple[str, str, str]] = []
    for key, value in tags.items():
        rendered_key = key
        if not _GCP_KEY.match(rendered_key):
            raise TagRenderError(
                f"GCP: label key {key!r} must be 1-63 characters of [a-z0-9_-] starting "
                "with a lowercase letter"
            )
        rendered_value = encode_label_value(value.lower(), _gcp_allowed)
        if not _GCP_VALUE.match(rendered_value):
            raise TagRenderError(
                f"GCP: label {key!r} value {value!r} renders to {rendered_value!r} "
                f"({len(rendered_value)} characters); at most {GCP_MAX_LENGTH} allowed"
            )
        pairs.append((key, rendered_key, rendered_value))
    _check_unique(pairs, "GCP", fold=False)
    return {rendered_key: rendered_value for _, rendered_key, rendered_value in pairs}


def render_azure(tags: Mapping[str, str], *, storage_account: bool = False) -> dict[str, str]:
    """Validate ``tags`` against Azure tag rules and return them unchanged."""
    _check_count(tags, "Azure", AZURE_MAX_TAGS)
    max_name = AZURE_MAX_NAME_STORAGE_ACCOUNT if storage_account else AZURE_MAX_NAME
    for key, value in tags.items():
        if not key or len(key) > max_name:
            where = "on a storage account " if storage_account else ""
            raise TagRenderError(f"Azure: tag name {key!r} must be 1-{max_name} characters {where}")
        bad = sorted(set(key) & _AZURE_FORBIDDEN)
        if bad:
            raise TagRenderError(
                f"Azure: tag name {key!r} contains {' '.join(bad)}; names may not contain "
                "< > % & \\ ? /"
            )
        if len(value) > AZURE_MAX_VALUE:
            raise TagRenderError(
                f"Azure: tag {key!r} value is {len(value)} characters, at most {AZURE_MAX_VALUE}"
            )
    _check_unique([(k, k, v) for k, v in tags.items()], "Azure", fold=True)
    return dict(tags)


def _k8s_allowed(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in ".-")


def _check_k8s_key(key: str) -> None:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > K8S_MAX_PREFIX or not _K8S_PREFIX.match(prefix)):
        raise TagRenderError(
            f"Kubernetes: label key {key!r} has an invalid prefix; it must be a DNS subdomain "
            f"of at most {K8S_MAX_PREFIX} characters"
        )
    if not _K8S_NAME.match(name):
        raise TagRenderError(
            f"Kubernetes: label key {key!r} must be at most {K8S_MAX_NAME} characters of "
            "[A-Za-z0-9._-] starting and ending alphanumeric"
        )


def render_kubernetes(tags: Mapping[str, str]) -> dict[str, str]:
    """Render ``tags`` as Kubernetes labels: keys must already be valid, values are escaped."""
    pairs: list[tuple[str, str, str]] = []
    for key, value in tags.items():
        _check_k8s_key(key)
        rendered_value = encode_label_value(value, _k8s_allowed)
        if rendered_value and not _K8S_NAME.match(rendered_value):
            raise TagRenderError(
                f"Kubernetes: label {key!r} value {value!r} renders to {rendered_value!r}; "
                f"values are at most {K8S_MAX_NAME} characters of [A-Za-z0-9._-] starting and "
                "ending alphanumeric"
            )
        pairs.append((key, key, rendered_value))
    _check_unique(pairs, "Kubernetes", fold=False)
    return {key: rendered_value for key, _, rendered_value in pairs}
