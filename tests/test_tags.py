"""The tag standard: every rendering of every valid input obeys the target's documented rules.

The rule checks below are written from the clouds' documentation, independently of
thrifty.tags, so that a bug in the module's own patterns cannot hide here.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from thrifty.tags import (
    COST_TAG_KEYS,
    CostTags,
    TagRenderError,
    decode_label_value,
    render_aws,
    render_azure,
    render_gcp,
    render_kubernetes,
)

# --- the targets' rules, from their documentation -------------------------------------------


def assert_valid_aws(tags: dict[str, str]) -> None:
    # docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html
    assert len(tags) <= 50
    for key, value in tags.items():
        assert 1 <= len(key) <= 128
        assert len(value) <= 256
        assert not key.lower().startswith("aws:")
        assert re.fullmatch(r"[\w\s.:/=+\-@]*", key + value)


def assert_valid_gcp(labels: dict[str, str]) -> None:
    # cloud.google.com/resource-manager/docs/labels-overview#requirements
    assert len(labels) <= 64
    for key, value in labels.items():
        assert re.fullmatch(r"[a-z][a-z0-9_-]{0,62}", key), key
        assert re.fullmatch(r"[a-z0-9_-]{0,63}", value), value


def assert_valid_azure(tags: dict[str, str], name_limit: int = 512) -> None:
    # learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations
    assert len(tags) <= 50
    assert len({key.lower() for key in tags}) == len(tags)
    for key, value in tags.items():
        assert 1 <= len(key) <= name_limit
        assert not set(key) & set("<>%&\\?/")
        assert len(value) <= 256


# The apimachinery regex for label values and names (k8s.io/apimachinery validation.go).
_K8S_QUALIFIED = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"


def assert_valid_kubernetes(labels: dict[str, str]) -> None:
    for key, value in labels.items():
        name = key.rpartition("/")[2]
        assert len(name) <= 63 and re.fullmatch(_K8S_QUALIFIED, name), key
        assert len(value) <= 63 and (value == "" or re.fullmatch(_K8S_QUALIFIED, value)), value


# --- strategies ---------------------------------------------------------------------------

slugs = st.from_regex(r"[a-z]([a-z0-9-]{0,40}[a-z0-9])?", fullmatch=True)
local_parts = st.from_regex(r"[a-z0-9]+([._+-][a-z0-9]+){0,3}", fullmatch=True)
domains = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]\.(com|org|io|co\.uk)", fullmatch=True)
emails = st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains)
# Short enough that even fully escaped they fit a 63-character label value.
short_emails = st.builds(
    lambda local, domain: f"{local}@{domain}",
    st.from_regex(r"[a-z0-9]{1,8}([._+-][a-z0-9]{1,5}){0,2}", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9]{0,7}\.(com|io)", fullmatch=True),
)
extra_keys = st.text(
    alphabet=st.characters(codec="ascii", categories=("L", "N", "P", "S", "Zs")),
    min_size=1,
    max_size=70,
)
extra_values = st.text(max_size=80)


def build_tags(**overrides: object) -> CostTags:
    values: dict[str, object] = {
        "project": "churn-predictor",
        "environment": "production",
        "team": "ml-team",
        "cost-center": "engineering",
        "owner": "ml-team@company.com",
    }
    values.update(overrides)
    return CostTags.model_validate(values)


@st.composite
def cost_tags(draw: st.DrawFn) -> CostTags:
    try:
        tags = build_tags(
            project=draw(slugs),
            environment=draw(st.sampled_from(["development", "staging", "production"])),
            team=draw(slugs),
            **{"cost-center": draw(slugs)},
            owner=draw(emails),
            extra=draw(st.dictionaries(extra_keys, extra_values, max_size=6)),
        )
    except ValidationError:
        assume(False)
        raise
    return tags


# --- properties ---------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(cost_tags())
def test_every_rendering_is_valid_or_refused(tags: CostTags) -> None:
    """A rendering either obeys the target's rules with nothing dropped, or says why not."""
    checks = [
        (tags.aws, assert_valid_aws),
        (tags.gcp, assert_valid_gcp),
        (tags.azure, assert_valid_azure),
        (lambda: tags.azure(storage_account=True), lambda t: assert_valid_azure(t, 128)),
        (tags.kubernetes, assert_valid_kubernetes),
    ]
    for render, check in checks:
        try:
            rendered = render()
        except TagRenderError as error:
            assert str(error)
            continue
        check(rendered)
        assert len(rendered) == len(tags.as_dict())  # nothing dropped, nothing merged
        assert all(rendered.get(key) for key in COST_TAG_KEYS)


@settings(max_examples=300, deadline=None)
@given(
    project=slugs,
    team=slugs,
    cost_center=slugs,
    owner=short_emails,
    environment=st.sampled_from(["development", "staging", "production"]),
)
def test_standard_keys_always_render_everywhere(
    project: str, team: str, cost_center: str, owner: str, environment: str
) -> None:
    """Without extra tags the five keys render on every target (for owners that fit 63
    characters once escaped; longer ones are refused, see the next tests)."""
    tags = build_tags(
        project=project,
        team=team,
        environment=environment,
        owner=owner,
        **{"cost-center": cost_center},
    )
    assert_valid_aws(tags.aws())
    assert_valid_gcp(tags.gcp())
    assert_valid_azure(tags.azure(storage_account=True), 128)
    assert_valid_kubernetes(tags.kubernetes())
    assert list(tags.gcp()) == list(COST_TAG_KEYS)


@settings(max_examples=300, deadline=None)
@given(emails)
def test_owner_rendering_is_deterministic_and_reversible(owner: str) -> None:
    tags = build_tags(owner=owner)
    for render in (CostTags.gcp, CostTags.kubernetes):
        try:
            rendered = render(tags)["owner"]
        except TagRenderError as error:
            # Refused, never truncated: only when the escaped form is over the limit.
            assert "at most 63" in str(error) or "63 characters" in str(error)
            continue
        assert rendered == render(build_tags(owner=owner))["owner"]
        assert decode_label_value(rendered) == owner.lower()


def test_an_owner_too_long_for_gcp_is_a_clear_error() -> None:
    owner = "a.very.long.distribution.list.name@subsidiary.example-company.com"
    tags = build_tags(owner=owner)
    assert tags.aws()["owner"] == owner
    with pytest.raises(TagRenderError, match=r"GCP: label 'owner' .* at most 63"):
        tags.gcp()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_label_escaping_round_trips(value: str) -> None:
    try:
        rendered = render_gcp({"key": value})["key"]
    except TagRenderError:
        return
    assert decode_label_value(rendered) == value.lower()


# --- examples -----------------------------------------------------------------------------


def test_guide_example_renders_per_cloud() -> None:
    tags = build_tags(owner="ML-Team@Company.com")
    assert tags.aws() == {
        "project": "churn-predictor",
        "environment": "production",
        "team": "ml-team",
        "cost-center": "engineering",
        "owner": "ml-team@company.com",
    }
    assert tags.gcp()["owner"] == "ml-team_at_company_dot_com"
    assert tags.kubernetes()["owner"] == "ml-team_at_company.com"
    assert tags.azure()["owner"] == "ml-team@company.com"


@pytest.mark.parametrize(
    ("render", "tags", "message"),
    [
        (render_aws, {"aws:created": "x"}, "reserved prefix"),
        (render_aws, {"k": "v" * 257}, "at most 256"),
        (render_aws, {f"k{i}": "v" for i in range(51)}, "at most 50"),
        (render_gcp, {"Team": "a", "team": "b"}, "must be 1-63 characters"),
        (render_gcp, {"k": "x" * 64}, "at most 63"),
        (render_azure, {"a/b": "x"}, "may not contain"),
        (render_azure, {"Team": "a", "team": "b"}, "case-insensitively"),
        (render_kubernetes, {"k": "-bad"}, "starting and ending alphanumeric"),
        (render_kubernetes, {"bad key!": "v"}, "label key"),
    ],
)
def test_render_errors_name_the_problem(render: object, tags: dict[str, str], message: str) -> None:
    with pytest.raises(TagRenderError, match=message):
        render(tags)  # type: ignore[operator]


def test_keys_colliding_on_a_case_insensitive_target_are_an_error() -> None:
    with pytest.raises(TagRenderError, match="both render to"):
        render_azure({"Cost-Center": "a", "cost-center": "b"})


def test_extra_tags_may_not_shadow_standard_keys() -> None:
    with pytest.raises(ValidationError, match="reuses a standard cost key"):
        build_tags(extra={"Owner": "someone"})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("owner", "not-an-email"),
        ("environment", "prod"),
        ("project", "Churn Predictor"),
        ("team", ""),
        ("cost-center", "x" * 64),
        ("team", "ml_team"),
        ("project", "churn-"),
    ],
)
def test_invalid_standard_values_are_rejected(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as error:
        build_tags(**{field: value})
    assert field in str(error.value)
