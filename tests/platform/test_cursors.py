"""The one cursor codec: a cursor resumes only the API family and scope it was issued for."""

from __future__ import annotations

import pytest

from bookings.platform.cursors import CursorCodec, CursorRejected
from bookings.platform.signing import Signer

SIGNER = Signer(b"k" * 32)


def test_a_cursor_opens_to_its_body() -> None:
    token = CursorCodec("time-slots").seal(SIGNER, "site-1", {"p": [1, 2]})
    assert CursorCodec("time-slots").open(SIGNER, "site-1", token) == {"p": [1, 2]}


@pytest.mark.parametrize(
    ("codec", "scope"),
    [
        (CursorCodec("query"), "site-1"),  # another API family
        (CursorCodec("time-slots"), "site-2"),  # another site
        (CursorCodec("time-slots", version=2), "site-1"),  # another version
    ],
)
def test_a_genuine_cursor_of_something_else_is_foreign(codec: CursorCodec, scope: str) -> None:
    token = CursorCodec("time-slots").seal(SIGNER, "site-1", {"p": 1})
    with pytest.raises(CursorRejected) as caught:
        codec.open(SIGNER, scope, token)
    assert caught.value.foreign is True


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "",
        CursorCodec("query").seal(Signer(b"x" * 32), "site-1", {}),  # another deployment
        CursorCodec("query").seal(SIGNER, "site-1", {"p": 1})[:-2] + "AA",  # altered
    ],
)
def test_a_cursor_not_signed_here_is_rejected(token: str) -> None:
    with pytest.raises(CursorRejected) as caught:
        CursorCodec("query").open(SIGNER, "site-1", token)
    assert caught.value.foreign is False
