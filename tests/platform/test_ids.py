"""New ids: random version-4 UUIDs, read from the OS 256 at a time, never the same twice, and
never shared with a forked child (``platform/wire.py``)."""

from __future__ import annotations

import os
import uuid

from bookings.platform.wire import new_id


def test_ids_are_distinct_version_4_uuids() -> None:
    ids = [new_id() for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    assert {uuid.UUID(i).version for i in ids} == {4}
    assert {uuid.UUID(i).variant for i in ids} == {uuid.RFC_4122}


def test_a_forked_child_makes_other_ids_than_its_parent() -> None:
    new_id()  # the parent holds random bytes for its next ids
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, then leave at once
        os.write(write, ",".join(new_id() for _ in range(3)).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        child = set(pipe.read().split(","))
    parent = {new_id() for _ in range(3)}
    assert len(child) == 3
    assert not child & parent
