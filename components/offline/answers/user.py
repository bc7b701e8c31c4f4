"""A project's own offline answers: a file beside ``Pulumi.yaml`` and an optional Python hook.

``thrifty-answers.yaml`` (the file name is :data:`ANSWERS_FILE`)::

    invokes:
      "aws:ec2/getAmi:getAmi":            # the invoke token
        - when: {owners: ["amazon"]}      # optional: only calls whose arguments include these
          answer:                         # result fields, wire (camelCase) names
            id: ami-0123456789abcdef0
            imageId: ami-0123456789abcdef0
        - answer: {id: ami-0fedcba9876543210}   # no "when": every other call
    resources:
      "aws:rds/instance:Instance":        # a type token, or a resource's logical name
        endpoint: db.internal:5432        # outputs added to every such resource

The first entry whose ``when`` matches answers a call. Answers are laid over thrifty's own (so
a partial answer keeps the rest of a built-in or SDK-derived one); resource outputs apply in
preview too, since the user asserts them. A logical name's entry wins over its type's.

The hook, named in stack config as ``thrifty:answers: module:function`` (or
``path/to/file.py:function``, relative to the project), is called with an
:class:`AnswerRequest` for every invoke and resource, after the file, and returns a mapping to
lay over the answer or None to leave it alone.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ANSWERS_FILE = "thrifty-answers.yaml"
HOOK_CONFIG_KEY = "thrifty:answers"

_ALLOWED = (
    "allowed: top-level keys 'invokes' (invoke token -> a list of {when: <argument map, "
    "optional>, answer: <result map>}, or one such entry) and 'resources' (type token or "
    "logical name -> map of output names to values)"
)


class AnswersError(ValueError):
    """The project's answers file or hook cannot be used (raised before the program runs)."""


class UnknownInvokeError(LookupError):
    """A program called an invoke that has no offline answer: no built-in one, no installed
    SDK that declares it, nothing in the project's answers."""


class InvokeAnswerEntry(BaseModel):
    """One answer for an invoke, optionally only for calls with certain arguments."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    when: dict[str, Any] = Field(default_factory=dict)
    answer: dict[str, Any]

    def matches(self, args: Mapping[str, Any]) -> bool:
        return all(key in args and args[key] == value for key, value in self.when.items())


class AnswersFile(BaseModel):
    """The whole ``thrifty-answers.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    invokes: dict[str, list[InvokeAnswerEntry]] = Field(default_factory=dict)
    resources: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("invokes", mode="before")
    @classmethod
    def _one_entry_is_a_list_of_one(cls, value: object) -> object:
        """``token: {answer: ...}`` is short for ``token: [{answer: ...}]``."""
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, dict) else v for k, v in value.items()}
        return value


@dataclass(frozen=True)
class AnswerRequest:
    """What the hook is asked about: an invoke call or a resource registration."""

    kind: Literal["invoke", "resource"]
    token: str  # the invoke token, or the resource's type token
    name: str  # the resource's logical name ("" for an invoke)
    # The invoke's arguments or the resource's inputs, wire form (camelCase); values unknown
    # during preview are None or pulumi.output.Unknown.
    args: Mapping[str, Any]
    preview: bool


Hook = Callable[[AnswerRequest], Mapping[str, Any] | None]


@dataclass(frozen=True)
class UserAnswers:
    """A project's answers, loaded and checked; empty when the project has none."""

    file: AnswersFile = field(default_factory=AnswersFile)
    hook: Hook | None = None
    #: Where the answers file is (or would be): shown in the missing-answer error.
    path: Path | None = None

    @classmethod
    def load(cls, project_root: Path | None, config: Mapping[str, object]) -> UserAnswers:
        """Read ``thrifty-answers.yaml`` in ``project_root`` and the hook named in ``config``."""
        path = project_root / ANSWERS_FILE if project_root is not None else None
        answers = _read_file(path) if path is not None and path.is_file() else AnswersFile()
        spec = config.get(HOOK_CONFIG_KEY)
        hook = _load_hook(str(spec), project_root) if spec not in (None, "") else None
        return cls(answers, hook, path)

    def invoke(self, token: str, args: Mapping[str, Any], preview: bool) -> dict[str, Any] | None:
        """The project's answer for a call (file, then hook laid over it), or None."""
        entries = self.file.invokes.get(token, [])
        found = next((entry.answer for entry in entries if entry.matches(args)), None)
        return self._with_hook(AnswerRequest("invoke", token, "", args, preview), found)

    def resource(
        self, type_token: str, name: str, inputs: Mapping[str, Any], preview: bool
    ) -> dict[str, Any]:
        """Outputs the project adds to a resource (``{}`` when none)."""
        outputs = {**self.file.resources.get(type_token, {}), **self.file.resources.get(name, {})}
        request = AnswerRequest("resource", type_token, name, inputs, preview)
        return self._with_hook(request, outputs or None) or {}

    def _with_hook(
        self, request: AnswerRequest, found: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        if self.hook is None:
            return found
        extra = self.hook(request)
        if extra is None:
            return found
        if not isinstance(extra, Mapping):
            raise AnswersError(
                f"{HOOK_CONFIG_KEY}: the hook returned {type(extra).__name__} for "
                f"{request.kind} {request.token!r}; it must return a mapping or None"
            )
        return {**(found or {}), **extra}


def _read_file(path: Path) -> AnswersFile:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise AnswersError(f"{path}: not valid YAML: {error}") from None
    if document is None:
        return AnswersFile()
    if not isinstance(document, dict):
        raise AnswersError(f"{path}: expected a mapping at the top level; {_ALLOWED}")
    try:
        return AnswersFile.model_validate(document)
    except ValidationError as error:
        problems = "\n".join(
            f"  - {_location(problem['loc'])}: {problem['msg']} (got {problem.get('input')!r})"
            for problem in error.errors()
        )
        raise AnswersError(
            f"{path}: {error.error_count()} invalid entries:\n{problems}\n{_ALLOWED}"
        ) from None


def _location(location: tuple[int | str, ...]) -> str:
    """A pydantic error location as the user wrote it: ``invokes."aws:..."[0].answer``."""
    parts: list[str] = []
    for part in location:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(f".{json.dumps(part) if ':' in part else part}")
    return "".join(parts).lstrip(".")


def _load_hook(spec: str, project_root: Path | None) -> Hook:
    target, _, function = spec.rpartition(":")
    if not target or not function.isidentifier():
        raise AnswersError(
            f"{HOOK_CONFIG_KEY}: {spec!r} is not 'module:function' or 'path/to/file.py:function'"
        )
    try:
        module = _import_target(target, project_root)
    except (ImportError, OSError, SyntaxError) as error:
        raise AnswersError(f"{HOOK_CONFIG_KEY}: cannot load {target!r}: {error}") from None
    hook = getattr(module, function, None)
    if not callable(hook):
        raise AnswersError(f"{HOOK_CONFIG_KEY}: {target!r} has no function {function!r}")
    return hook  # type: ignore[no-any-return]


def _import_target(target: str, project_root: Path | None) -> object:
    if not target.endswith(".py"):
        return importlib.import_module(target)
    path = Path(target)
    if not path.is_absolute() and project_root is not None:
        path = project_root / path
    spec = importlib.util.spec_from_file_location(f"thrifty_answers_hook_{path.stem}", path)
    if spec is None or spec.loader is None or not path.is_file():
        raise ImportError(f"no such file {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def unknown_invoke_message(token: str, args: Mapping[str, Any], path: Path | None) -> str:
    """Why ``token`` has no answer and exactly how to give it one."""
    where = str(path) if path is not None else f"{ANSWERS_FILE} beside Pulumi.yaml"
    return (
        f"no offline answer for invoke {token!r}: thrifty has none and no installed provider "
        f"SDK declares its result.\nAdd one for your project in {where} "
        f"(result fields use the wire's camelCase names):\n\n"
        f"{missing_answer_snippet(token, args)}\n"
        f"or compute it in Python: set '{HOOK_CONFIG_KEY}: module:function' in the stack's "
        f"config; the function gets an AnswerRequest and returns the result mapping."
    )


def missing_answer_snippet(token: str, args: Mapping[str, Any]) -> str:
    """A ready-to-paste ``thrifty-answers.yaml`` entry for ``token`` (with this call's
    arguments as its ``when`` when they are short)."""
    entry: dict[str, Any] = {}
    shown = {key: value for key, value in args.items() if value is not None}
    if shown and len(json.dumps(shown, default=str)) <= 200:
        entry["when"] = shown
    entry["answer"] = {"id": "replace-me"}
    return yaml.safe_dump({"invokes": {token: [entry]}}, sort_keys=False, default_flow_style=False)
