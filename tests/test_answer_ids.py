"""A pass id in a vendor's answer is printable Unicode text, or the answer is invalid (issue 15).

A tester's server answered creates with ids holding a lone surrogate or terminal escapes: they
were accepted into ``IssuedPass`` and written raw to results files (or crashed a journaled run
with an unexpected serialisation error, leaving the item in flight). The one check lives on the
model's ``id``/``vendor_id`` (:data:`walletpass.model.PassId`); ``Provider.parse`` turns a model
refusing an answer into ``InvalidResponse``, outcome unknown for a write.
"""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from walletpass import IssuedPass
from walletpass.errors import InvalidResponse, OutcomeUnknown, ValidationError, WalletPassError

from .hostile_server import HostileServer, head
from .test_transport import API_KEY, HttpTestProvider

HOSTILE_IDS = ["\ud800x", "p\x1b[31mRED\x1b[0m", "a\nb", "a\u202eb", "tab\there", "", "\x00"]


@given(st.text(min_size=1).filter(lambda text: all(char.isprintable() for char in text)))
def test_printable_ids_are_kept_as_given(text: str) -> None:
    assert IssuedPass(id=text, vendor_id=text, provider="p").id == text


PRINTABLE = st.text().filter(lambda text: all(char.isprintable() for char in text))


@given(PRINTABLE, st.characters(categories=["Cc", "Cf", "Cs", "Zl", "Zp"]), st.text())
def test_ids_with_an_unprintable_character_are_refused(head_: str, bad: str, tail: str) -> None:
    with pytest.raises(ValidationError) as caught:
        IssuedPass(id=f"{head_}{bad}{tail}", vendor_id="v", provider="p")
    assert f"U+{ord(bad):04X}" in str(caught.value)


def answering(pass_id: str) -> Any:
    def behave(conn: socket.socket, server: HostileServer) -> None:
        body = json.dumps({"id": pass_id}).encode("utf-8", "surrogatepass")
        conn.sendall(head("201 Created", Content_Length=len(body), Connection="close") + body)

    return behave


@pytest.mark.parametrize("pass_id", HOSTILE_IDS)
def test_a_hostile_id_in_a_create_answer_is_an_unknown_outcome(pass_id: str) -> None:
    with HostileServer(answering(pass_id)) as server:
        client = HttpTestProvider(
            base_url=f"{server.url}/v1", api_key=API_KEY, max_retries=0, timeout=2
        )
        with pytest.raises(WalletPassError) as caught:
            client.create({"template": "g"})
    error = caught.value
    assert isinstance(error, InvalidResponse | OutcomeUnknown), repr(error)
    assert (error.outcome_unknown, error.retryable) == (True, False)
    assert all(char.isprintable() for char in str(error))
    assert len(server.heads) == 1  # never sent twice


@pytest.mark.parametrize("pass_id", HOSTILE_IDS)
def test_a_hostile_id_in_a_read_is_an_invalid_response(pass_id: str) -> None:
    with HostileServer(answering(pass_id)) as server:
        client = HttpTestProvider(base_url=f"{server.url}/v1", api_key=API_KEY, max_retries=0)
        with pytest.raises(InvalidResponse) as caught:
            client.get("a1")
    assert not caught.value.outcome_unknown
