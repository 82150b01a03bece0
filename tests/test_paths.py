"""walletpass.paths: an id in a URL path stays exactly one segment, on every provider."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

import walletpass
from walletpass.errors import ValidationError
from walletpass.paths import FilledPath, fill_path, segment_problem

ids = st.text(min_size=1, max_size=40).filter(lambda text: text not in (".", ".."))


@given(first=ids, second=ids)
def test_each_id_is_one_segment_that_reads_back_as_the_id(first: str, second: str) -> None:
    filled = fill_path("models/{modelId}/passes/{passId}/fields", modelId=first, passId=second)
    assert filled.template == "models/{modelId}/passes/{passId}/fields"
    segments = filled.path.split("/")
    assert len(segments) == 5
    assert [unquote(segments[1]), unquote(segments[3])] == [first, second]


@given(value=ids)
def test_a_url_built_from_the_path_keeps_the_id(value: str) -> None:
    # What the transport does with the path: the id survives URL normalisation untouched.
    filled = fill_path("api/passes/{passId}/validate", passId=value)
    url = requests.Request("GET", "https://api.example/" + filled.path).prepare().url
    assert url is not None
    path = url.split("://", 1)[1].split("/", 1)[1]
    assert unquote(path.split("/")[2]) == value
    assert path.endswith("/validate") and "?" not in path and "#" not in path


@pytest.mark.parametrize("value", [".", "..", ""])
def test_dot_segments_and_empty_ids_are_refused(value: str) -> None:
    assert segment_problem(value) is not None
    with pytest.raises(ValidationError) as caught:
        fill_path("api/v1/passes/{id}", id=value)
    assert caught.value.fields.keys() == {"id"}


@pytest.mark.parametrize("value", ["...", ".a", "a.", "%2E%2E", "a/b", "?", "#"])
def test_anything_else_is_quoted(value: str) -> None:
    assert segment_problem(value) is None
    filled = fill_path("x/{id}", id=value)
    assert unquote(filled.path.removeprefix("x/")) == value
    assert filled.path.count("/") == 1


def test_a_template_without_ids_is_itself() -> None:
    assert fill_path("api/v1/passes") == FilledPath("api/v1/passes", "api/v1/passes")


@pytest.mark.parametrize(
    ("template", "given_ids"),
    [("a/{id}", {}), ("a", {"id": "1"}), ("a/{id}", {"passId": "1"})],
)
def test_placeholders_and_ids_must_match(template: str, given_ids: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="takes ids"):
        fill_path(template, **given_ids)


@pytest.mark.parametrize(
    ("provider", "pass_id"),
    [
        ("livepasses", ".."),
        ("livepasses", "."),
        ("pass2u", "1919.."),
        ("pass2u", "1919..."),
        ("passentry", ".."),
        ("livepass", "reservation.."),
    ],
)
def test_no_provider_sends_a_dot_segment_id(provider: str, pass_id: str) -> None:
    # Port 9 (discard) on loopback: a request that got out would fail as ProviderUnavailable.
    wallet = walletpass.connect(provider, api_key="k" * 32, base_url="http://127.0.0.1:9")
    with pytest.raises(ValidationError) as caught:
        wallet.get(pass_id)
    assert "pass_id" in caught.value.fields
