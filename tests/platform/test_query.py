"""The Wix API Query Language on SQLite and PostgreSQL: filters against a Python reference,
sorting with NULLs, offset and cursor paging (also while rows change), and every 400."""

from __future__ import annotations

import json
import os
import random
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.platform import errors
from bookings.platform.db import Database, UtcDateTime
from bookings.platform.query import (
    ArrayStorage,
    FieldSpec,
    Kind,
    Position,
    QueryPage,
    QuerySpec,
    compile_filter,
    count,
    encode_cursor,
    match,
    normalize_filter,
    parse_query,
    run_query,
)
from bookings.platform.signing import Signer

POSTGRES_URL = os.environ.get("BOOKINGS_TEST_POSTGRES_URL", "").strip()
SUFFIX = uuid.uuid4().hex[:8]
META = sa.MetaData()

ITEMS = sa.Table(
    f"qtest_items_{SUFFIX}",
    META,
    sa.Column("site_id", sa.String(36), nullable=False),
    sa.Column("id", sa.String(36), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("qty", sa.Integer, nullable=True),
    sa.Column("flag", sa.Boolean, nullable=True),
    sa.Column("start", UtcDateTime, nullable=True),
    sa.Column("note", sa.String(100), nullable=True),
    sa.Column("email", sa.String(100), nullable=True),
    sa.PrimaryKeyConstraint("site_id", "id"),
)
TAGS_TABLE = sa.Table(
    f"qtest_tags_{SUFFIX}",
    META,
    sa.Column("site_id", sa.String(36), nullable=False),
    sa.Column("item_id", sa.String(36), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("value", sa.String(50), nullable=False),
    sa.PrimaryKeyConstraint("site_id", "item_id", "position"),
)

STATUSES = ["CONFIRMED", "PENDING", "CANCELED", "DECLINED"]
SPEC = QuerySpec(
    fields=[
        FieldSpec("id", ITEMS.c.id, Kind.STRING, sortable=True, nullable=False),
        FieldSpec("name", ITEMS.c.name, Kind.STRING, sortable=True, nullable=False),
        FieldSpec(
            "status", ITEMS.c.status, Kind.ENUM, enum_values=STATUSES, sortable=True, nullable=False
        ),
        FieldSpec("qty", ITEMS.c.qty, Kind.INT, sortable=True),
        FieldSpec("flag", ITEMS.c.flag, Kind.BOOL, sortable=True),
        FieldSpec("startDate", ITEMS.c.start, Kind.TIMESTAMP, sortable=True),
        FieldSpec("note", ITEMS.c.note, Kind.STRING, sortable=True),
        FieldSpec(
            "contact.email",
            ITEMS.c.email,
            Kind.STRING,
            aliases=("contactDetails.email",),
            sortable=True,
        ),
        FieldSpec(
            "tags",
            kind=Kind.STRING,
            array=ArrayStorage(TAGS_TABLE, {"site_id": ITEMS.c.site_id, "item_id": ITEMS.c.id}),
        ),
    ],
    tiebreaker=ITEMS.c.id,
    default_sort=[("startDate", "DESC")],
    default_limit=10,
    max_limit=100,
)
CURSOR_ONLY = QuerySpec(
    fields=SPEC.fields, tiebreaker=ITEMS.c.id, offset_paging=False, default_limit=10
)
SIGNER = Signer(b"0123456789abcdef0123456789abcdef")
SITE = "site-main"
OTHER_SITE = "site-other"
SCOPE = f"{SITE}:items"

# Which row key a wire path reads, and its kind, for the reference evaluator.
ROW_KEY = {
    "id": "id",
    "name": "name",
    "status": "status",
    "qty": "qty",
    "flag": "flag",
    "startDate": "start",
    "note": "note",
    "contact.email": "email",
    "contactDetails.email": "email",
    "tags": "tags",
}

# ---------------------------------------------------------------- dataset

NAMES = ["alpha", "Alpha", "ALPHA", "beta", "b_ta", "b%ta", "", "gamma", "a/b", "zeta"]
NOTES = [None, "", "hello", "Hello world", "h%llo", "h_llo", "HELP"]
EMAILS = [None, "", "a@x.com", "b@x.com", "A@X.com"]
TAG_VALUES = ["red", "green", "blue", "x_y", "x%y"]
TIMES = [datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(hours=7 * i) for i in range(6)]


def make_rows(seed: int, n: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        tags = [rng.choice(TAG_VALUES) for _ in range(rng.choice([0, 0, 1, 2, 3]))]
        rows.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "name": rng.choice(NAMES),
                "status": rng.choice(STATUSES),
                "qty": rng.choice([None, -3, -1, 0, 0, 1, 2, 5]),
                "flag": rng.choice([None, True, False]),
                "start": rng.choice([None, *TIMES]),
                "note": rng.choice(NOTES),
                "email": rng.choice(EMAILS),
                "tags": tags,
            }
        )
    return rows


ROWS = make_rows(1234, 60)
IDS = [r["id"] for r in ROWS]


async def insert_rows(db: Database, site: str, rows: list[dict[str, Any]]) -> None:
    async with db.connect_for_write() as conn:
        await conn.execute(
            sa.insert(ITEMS),
            [{k: v for k, v in r.items() if k != "tags"} | {"site_id": site} for r in rows],
        )
        tag_rows = [
            {"site_id": site, "item_id": r["id"], "position": i, "value": v}
            for r in rows
            for i, v in enumerate(r["tags"])
        ]
        if tag_rows:
            await conn.execute(sa.insert(TAGS_TABLE), tag_rows)


async def delete_rows(db: Database, site: str, ids: list[str]) -> None:
    async with db.connect_for_write() as conn:
        await conn.execute(
            sa.delete(TAGS_TABLE).where(TAGS_TABLE.c.site_id == site, TAGS_TABLE.c.item_id.in_(ids))
        )
        await conn.execute(sa.delete(ITEMS).where(ITEMS.c.site_id == site, ITEMS.c.id.in_(ids)))


@dataclass
class Env:
    engine: str
    db: Database


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def env(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Env]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('query')}/q.sqlite3"
    elif POSTGRES_URL:
        url = POSTGRES_URL
    else:
        pytest.skip("PostgreSQL: set BOOKINGS_TEST_POSTGRES_URL")
    db = Database(url, pool_size=2)
    async with db.connect_for_write() as conn:
        await conn.run_sync(META.create_all)
    try:
        await insert_rows(db, SITE, ROWS)
        # Same ids on another site: must never show up.
        await insert_rows(db, OTHER_SITE, make_rows(1234, 60))
        yield Env(request.param, db)
    finally:
        async with db.connect_for_write() as conn:
            await conn.run_sync(META.drop_all)
        await db.dispose()


async def query_page(
    env: Env,
    query: Any,
    *,
    site: str = SITE,
    spec: QuerySpec = SPEC,
) -> QueryPage:
    async with env.db.read(site) as s:
        stmt = s.select(ITEMS)
        return await run_query(s, spec, stmt, query, signer=SIGNER, scope_key=f"{site}:items")


async def filter_ids(env: Env, filter_: Any) -> set[str]:
    expr = compile_filter(SPEC, filter_)
    async with env.db.read(SITE) as s:
        rows = await s.all(s.select(ITEMS, ITEMS.c.id).where(expr))
    return {r.id for r in rows}


# ---------------------------------------------------------------- reference evaluator


def ref_value(path: str, operand: Any) -> Any:
    if ROW_KEY[path] == "start" and operand is not None:
        return datetime.fromisoformat(operand).astimezone(UTC)
    return operand


def ref_op(path: str, op: str, operand: Any, row: dict[str, Any]) -> bool:
    x = row[ROW_KEY[path]]
    if path == "tags":
        if op in ("$eq", "$ne"):
            hit = x == list(operand) if isinstance(operand, list) else operand in x
            return hit if op == "$eq" else not hit
        if op in ("$in", "$hasSome", "$nin"):
            hit = any(v in x for v in operand)
            return not hit if op == "$nin" else hit
        if op == "$hasAll":
            return all(v in x for v in operand)
        if op == "$isEmpty":
            return (not x) == operand
        raise AssertionError(op)

    def eq(v: Any) -> bool:
        v = ref_value(path, v)
        return x is None if v is None else (x is not None and x == v)

    if op == "$eq":
        return eq(operand)
    if op == "$ne":
        return not eq(operand)
    if op == "$in":
        return any(eq(v) for v in operand)
    if op == "$nin":
        return not any(eq(v) for v in operand)
    if op == "$exists":
        return (x is not None) == operand
    if op == "$isEmpty":
        return (x is None or x == "") == operand
    if op == "$startsWith":
        return x is not None and x.lower().startswith(operand.lower())
    v = ref_value(path, operand)
    if x is None:
        return False
    return {"$gt": x > v, "$gte": x >= v, "$lt": x < v, "$lte": x <= v}[op]


def ref_eval(filter_: dict[str, Any], row: dict[str, Any], prefix: str = "") -> bool:
    for key, value in filter_.items():
        if key == "$and":
            ok = all(ref_eval(sub, row, prefix) for sub in value)
        elif key == "$or":
            ok = any(ref_eval(sub, row, prefix) for sub in value)
        elif key == "$not":
            ok = not ref_eval(value, row, prefix)
        elif key.startswith("$"):
            ok = ref_op(prefix, key, value, row)
        else:
            full = f"{prefix}.{key}" if prefix else key
            ok = (
                ref_eval(value, row, full)
                if isinstance(value, dict)
                else ref_op(full, "$eq", value, row)
            )
        if not ok:
            return False
    return True


def ref_sort(rows: list[dict[str, Any]], sort: list[tuple[str, bool]]) -> list[str]:
    out = sorted(rows, key=lambda r: r["id"])
    for path, desc in reversed(sort):
        key = ROW_KEY[path]
        out.sort(
            key=lambda r: (r[key] is not None, r[key] if r[key] is not None else 0), reverse=desc
        )
    return [r["id"] for r in out]


# ---------------------------------------------------------------- filter strategies

STRING_VALUES = [*NAMES, "hello", "HELP", "a@x.com", "b", "h", "zz", "Hello world"]
PREFIXES = ["", "a", "A", "b_", "b%", "h%", "h_", "he", "HE", "%", "_", "x", "a/"]
TIME_VALUES = [t + timedelta(minutes=m) for t in TIMES for m in (0, 30)]


def ts_text(t: datetime, offset: int) -> str:
    local = t + timedelta(hours=offset)  # the wall clock at that offset
    sign = "+" if offset >= 0 else "-"
    suffix = "Z" if offset == 0 else f"{sign}{abs(offset):02d}:00"
    return local.strftime("%Y-%m-%dT%H:%M:%S.000") + suffix


def scalar_strategy(path: str) -> st.SearchStrategy[Any]:
    key = ROW_KEY[path]
    if key == "id":
        return st.sampled_from([*IDS[:8], "nope"])
    if key == "status":
        return st.sampled_from(STATUSES)
    if key == "qty":
        return st.sampled_from([-4, -3, -1, 0, 1, 2, 5, 6, 2**40, -(2**40)])
    if key == "flag":
        return st.booleans()
    if key == "start":
        return st.builds(ts_text, st.sampled_from(TIME_VALUES), st.sampled_from([0, 0, 2, -5]))
    if key == "tags":
        return st.sampled_from([*TAG_VALUES, "nope"])
    return st.sampled_from(STRING_VALUES)


PATHS = [p for p in ROW_KEY]


@st.composite
def leaf(draw: st.DrawFn) -> dict[str, Any]:
    path = draw(st.sampled_from(PATHS))
    fspec = SPEC.lookup(path)
    assert fspec is not None
    op = draw(st.sampled_from(sorted(fspec.allowed)))
    scalar = scalar_strategy(path)
    is_array = path == "tags"
    nullable_scalar = st.one_of(st.none(), scalar) if not is_array else scalar
    operand: Any
    if op in ("$exists", "$isEmpty"):
        operand = draw(st.booleans())
    elif op == "$startsWith":
        operand = draw(st.sampled_from(PREFIXES))
    elif op in ("$in", "$nin", "$hasSome", "$hasAll"):
        operand = draw(st.lists(nullable_scalar if op in ("$in", "$nin") else scalar, max_size=4))
    elif op in ("$eq", "$ne"):
        if is_array:
            operand = draw(st.one_of(scalar, st.lists(scalar, max_size=3)))
        else:
            operand = draw(nullable_scalar)
    else:
        operand = draw(scalar)
    form = draw(st.sampled_from(["op", "implicit", "nested", "fieldnot"]))
    body: Any = operand if (op == "$eq" and form == "implicit") else {op: operand}
    if form == "fieldnot":
        body = {"$not": {op: operand}}
    if form == "nested" and "." in path:
        head, rest = path.split(".", 1)
        return {head: {rest: body}}
    return {path: body}


def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in parts:
        out.update(part)
    return out


FILTERS = st.recursive(
    leaf(),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda xs: {"$and": xs}),
        st.lists(children, min_size=1, max_size=3).map(lambda xs: {"$or": xs}),
        children.map(lambda x: {"$not": x}),
        st.lists(children, min_size=2, max_size=3).map(merge),
    ),
    max_leaves=8,
)

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# ---------------------------------------------------------------- (1) filters vs reference


@PROPERTY
@given(filter_=FILTERS)
async def test_random_filters_match_reference(env: Env, filter_: dict[str, Any]) -> None:
    expected = {r["id"] for r in ROWS if ref_eval(filter_, r)}
    assert await filter_ids(env, filter_) == expected


@settings(max_examples=300, deadline=None)
@given(filter_=FILTERS)
def test_in_memory_matching_agrees_with_the_reference(filter_: dict[str, Any]) -> None:
    """The same parsed filter evaluated in memory (platform/query/match.py) selects what the
    reference evaluator (and so the SQL) selects."""
    node = normalize_filter(SPEC, filter_)

    def values_of(row: dict[str, Any]) -> Any:
        def get(field: FieldSpec) -> list[Any]:
            value = row[ROW_KEY[field.path]]
            return list(value) if field.array is not None else ([] if value is None else [value])

        return get

    found = {r["id"] for r in ROWS if match.matches(node, values_of(r))}
    assert found == {r["id"] for r in ROWS if ref_eval(filter_, r)}


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        ({"note": {"$ne": "hello"}}, lambda r: r["note"] != "hello"),  # NULL notes included
        ({"note": {"$nin": ["hello", ""]}}, lambda r: r["note"] not in ("hello", "")),
        ({"note": {"$nin": ["hello", None]}}, lambda r: r["note"] not in ("hello", None)),
        ({"note": None}, lambda r: r["note"] is None),
        ({"note": {"$in": []}}, lambda r: False),
        ({"note": {"$nin": []}}, lambda r: True),
        ({"note": {"$startsWith": "h%"}}, lambda r: (r["note"] or "").startswith("h%")),
        ({"note": {"$startsWith": "he"}}, lambda r: (r["note"] or "").lower().startswith("he")),
        ({"note": {"$isEmpty": True}}, lambda r: not r["note"]),
        ({"note": {"$exists": False}}, lambda r: r["note"] is None),
        ({"$not": {"qty": {"$gt": 0}}}, lambda r: r["qty"] is None or r["qty"] <= 0),
        ({"qty": {"$lt": 2**40}}, lambda r: r["qty"] is not None),
        ({"qty": {"$gte": "1"}}, lambda r: r["qty"] is not None and r["qty"] >= 1),
        ({"tags": ["red", "blue"]}, lambda r: r["tags"] == ["red", "blue"]),
        ({"tags": []}, lambda r: r["tags"] == []),
        ({"tags": "red"}, lambda r: "red" in r["tags"]),
        ({"tags": {"$hasAll": ["red", "blue"]}}, lambda r: {"red", "blue"} <= set(r["tags"])),
        ({"tags": {"$hasSome": []}}, lambda r: False),
        ({"tags": {"$isEmpty": False}}, lambda r: bool(r["tags"])),
        ({"contact": {"email": "a@x.com"}}, lambda r: r["email"] == "a@x.com"),
        (
            {"contactDetails.email": {"$startsWith": "A@"}},
            lambda r: (r["email"] or "")[:2].lower() == "a@",
        ),
        (
            {"startDate": {"$gte": "2026-01-01T11:00:00+02:00", "$lt": "2026-01-02T00:00:00Z"}},
            lambda r: (
                r["start"] is not None and TIMES[0] <= r["start"] < datetime(2026, 1, 2, tzinfo=UTC)
            ),
        ),
        ({}, lambda r: True),
        (None, lambda r: True),
    ],
)
async def test_filter_semantics(
    env: Env, filter_: Any, expected: Callable[[dict[str, Any]], bool]
) -> None:
    assert await filter_ids(env, filter_) == {r["id"] for r in ROWS if expected(r)}


# ---------------------------------------------------------------- fuzz: JSON in, SQL or 400 out

FUZZ_KEYS = st.one_of(
    st.sampled_from(
        [
            *PATHS,
            "contact",
            "contactDetails",
            "$and",
            "$or",
            "$not",
            "$eq",
            "$ne",
            "$gt",
            "$gte",
            "$lt",
            "$lte",
            "$in",
            "$nin",
            "$startsWith",
            "$isEmpty",
            "$exists",
            "$hasSome",
            "$hasAll",
            "$regex",
            "",
            "a.b",
            ".",
            "tags.x",
            "\x00",
            "\ud800",
        ]
    ),
    st.text(max_size=5),
)
FUZZ_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=6),
    st.sampled_from(
        [
            "CONFIRMED",
            "red",
            "2026-01-01T09:00:00Z",
            "9999-12-31T23:59:59-23:59",
            "0001-01-01T00:00:00+01:00",
            "a\x00b",
            "\ud800",
            "1" * 30,
            "12",
        ]
    ),
)
FUZZ_JSON = st.recursive(
    FUZZ_SCALARS,
    lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(FUZZ_KEYS, c, max_size=4)),
    max_leaves=20,
)


def assert_wire_safe(exc: errors.InvalidRequest) -> None:
    json.dumps(exc.body(), ensure_ascii=False).encode("utf-8")


@PROPERTY
@given(filter_=st.one_of(FUZZ_JSON, st.dictionaries(FUZZ_KEYS, FUZZ_JSON, max_size=4)))
async def test_fuzz_filter_is_sql_or_400(env: Env, filter_: Any) -> None:
    try:
        expr = compile_filter(SPEC, filter_)
    except errors.InvalidRequest as exc:
        assert_wire_safe(exc)
        return
    async with env.db.read(SITE) as s:
        await s.all(s.select(ITEMS).where(expr))


FUZZ_QUERY = st.fixed_dictionaries(
    {},
    optional={
        "filter": FUZZ_JSON,
        "sort": st.one_of(
            FUZZ_JSON,
            st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "fieldName": st.one_of(st.sampled_from(PATHS), FUZZ_SCALARS),
                        "order": st.one_of(st.sampled_from(["ASC", "DESC", "asc"]), FUZZ_SCALARS),
                    },
                ),
                max_size=3,
            ),
        ),
        "paging": st.one_of(
            FUZZ_JSON,
            st.fixed_dictionaries({}, optional={"limit": FUZZ_SCALARS, "offset": FUZZ_SCALARS}),
        ),
        "cursorPaging": st.one_of(
            FUZZ_JSON,
            st.fixed_dictionaries({}, optional={"limit": FUZZ_SCALARS, "cursor": FUZZ_SCALARS}),
        ),
    },
)


@PROPERTY
@given(query=st.one_of(FUZZ_QUERY, FUZZ_JSON))
async def test_fuzz_query_is_page_or_400(env: Env, query: Any) -> None:
    try:
        await query_page(env, query)
    except errors.InvalidRequest as exc:
        assert_wire_safe(exc)


# ---------------------------------------------------------------- (2) sort and NULL order

SORTS: list[list[tuple[str, bool]]] = [
    [("note", False)],
    [("note", True)],
    [("qty", False)],
    [("qty", True), ("name", False)],
    [("flag", False), ("startDate", True)],
    [("startDate", False)],
    [("contact.email", True), ("qty", False)],
    [("status", False), ("qty", True), ("startDate", False), ("note", True)],
    [("name", True), ("id", True)],
    [],  # the default: startDate DESC, id
]
SORT_RESULTS: dict[str, dict[int, list[str]]] = {}


def wire_sort(sort: list[tuple[str, bool]]) -> list[dict[str, str]]:
    return [{"fieldName": p, "order": "DESC" if d else "ASC"} for p, d in sort]


async def test_sort_and_null_order(env: Env) -> None:
    mine = SORT_RESULTS.setdefault(env.engine, {})
    for i, sort in enumerate(SORTS):
        page = await query_page(env, {"sort": wire_sort(sort), "paging": {"limit": 100}})
        ids = [r.id for r in page.rows]
        assert ids == ref_sort(ROWS, sort or [("startDate", True)]), sort
        mine[i] = ids
    for other, results in SORT_RESULTS.items():
        if other != env.engine:
            assert results == mine  # identical on both engines


async def test_missing_order_is_asc_and_duplicates_ignored(env: Env) -> None:
    page = await query_page(
        env,
        {"sort": [{"fieldName": "qty"}, {"fieldName": "qty", "order": "DESC"}], "paging": {}},
    )
    assert [r.id for r in page.rows] == ref_sort(ROWS, [("qty", False)])[:10]


# ---------------------------------------------------------------- (3) cursor paging

MIXED = [("status", False), ("qty", True), ("startDate", False), ("note", True)]


async def walk(
    env: Env, first: dict[str, Any], *, site: str = SITE, limit: int | None = None
) -> list[QueryPage]:
    pages = [await query_page(env, first, site=site)]
    while "next" in pages[-1].paging_metadata["cursors"]:
        assert pages[-1].paging_metadata["hasNext"] is True
        paging: dict[str, Any] = {"cursor": pages[-1].paging_metadata["cursors"]["next"]}
        if limit is not None:
            paging["limit"] = limit
        pages.append(await query_page(env, {"cursorPaging": paging}, site=site))
        assert len(pages) < 100
    assert pages[-1].paging_metadata["hasNext"] is False
    return pages


async def test_cursor_walk_visits_every_row_once(env: Env) -> None:
    query = {"sort": wire_sort(MIXED), "cursorPaging": {"limit": 7}}
    pages = await walk(env, query)
    ids = [r.id for p in pages for r in p.rows]
    assert ids == ref_sort(ROWS, MIXED)
    assert [p.paging_metadata["count"] for p in pages] == [7] * 8 + [4]
    assert "prev" not in pages[0].paging_metadata["cursors"]
    assert all("prev" in p.paging_metadata["cursors"] for p in pages[1:])
    # Walking back with prev cursors gives the same pages.
    for i in range(len(pages) - 1, 0, -1):
        back = await query_page(
            env, {"cursorPaging": {"cursor": pages[i].paging_metadata["cursors"]["prev"]}}
        )
        assert [r.id for r in back.rows] == [r.id for r in pages[i - 1].rows]
        assert back.paging_metadata["hasNext"] is True
        assert ("prev" in back.paging_metadata["cursors"]) == (i - 1 > 0)
        assert "next" in back.paging_metadata["cursors"]


async def test_cursor_with_filter_and_limit_override(env: Env) -> None:
    filter_ = {"$or": [{"qty": {"$gte": 1}}, {"note": None}]}
    pages = await walk(
        env, {"filter": filter_, "sort": wire_sort(MIXED), "cursorPaging": {"limit": 3}}, limit=5
    )
    expected = ref_sort([r for r in ROWS if ref_eval(filter_, r)], MIXED)
    assert [r.id for p in pages for r in p.rows] == expected
    assert [p.paging_metadata["count"] for p in pages[:2]] == [3, 5]


async def test_cursor_when_the_filter_excludes_nulls(env: Env) -> None:
    """A sort key the filter keeps from being NULL is ordered without NULLS FIRST/LAST (a
    plain index then serves the order); walking forward and back still gives the reference."""
    filter_ = {"qty": {"$gte": -1}, "note": {"$in": ["hello", "HELP", ""]}}
    sort = [("qty", True), ("note", False)]
    query = {"filter": filter_, "sort": wire_sort(sort), "cursorPaging": {"limit": 3}}
    parsed = parse_query(SPEC, query, signer=SIGNER, scope_key=SCOPE)
    assert [k.nullable for k in parsed.keys] == [False, False, False]
    pages = await walk(env, query)
    assert len(pages) > 2
    expected = ref_sort([r for r in ROWS if ref_eval(filter_, r)], sort)
    assert [r.id for p in pages for r in p.rows] == expected
    for i in range(len(pages) - 1, 0, -1):
        back = await query_page(
            env, {"cursorPaging": {"cursor": pages[i].paging_metadata["cursors"]["prev"]}}
        )
        assert [r.id for r in back.rows] == [r.id for r in pages[i - 1].rows]
    # Through $or only a column every branch keeps from NULL; negations are not looked into.
    either = {"$or": [{"qty": {"$gt": 0}}, {"qty": {"$lt": 0}, "note": "hello"}]}
    for filter_, nullable in [
        (either, [False, True, False]),
        ({"$not": {"qty": None}}, [True, True, False]),
        ({"qty": {"$ne": 1}, "note": {"$in": ["hello", None]}}, [True, True, False]),
    ]:
        sorted_ = {"filter": filter_, "sort": wire_sort([("qty", False), ("note", False)])}
        parsed = parse_query(SPEC, sorted_, signer=SIGNER, scope_key=SCOPE)
        assert [k.nullable for k in parsed.keys] == nullable, filter_


async def test_cursor_default_paging_and_empty_result(env: Env) -> None:
    page = await query_page(env, {})
    assert page.paging_metadata["count"] == 10  # default limit, default sort
    assert [r.id for r in page.rows] == ref_sort(ROWS, [("startDate", True)])[:10]
    empty = await query_page(env, {"filter": {"name": "nobody"}})
    assert empty.rows == []
    assert empty.paging_metadata == {"count": 0, "cursors": {}, "hasNext": False}


async def test_cursor_sort_keys_not_in_select(env: Env) -> None:
    """The base select may lack the sort columns: they are added as labelled columns."""
    async with env.db.read(SITE) as s:
        stmt = sa.select(ITEMS.c.id).where(ITEMS.c.site_id == SITE)
        query = {"sort": wire_sort(MIXED), "cursorPaging": {"limit": 25}}
        first = await run_query(s, SPEC, stmt, query, signer=SIGNER, scope_key=SCOPE)
        cursor = first.paging_metadata["cursors"]["next"]
        second = await run_query(
            s, SPEC, stmt, {"cursorPaging": {"cursor": cursor}}, signer=SIGNER, scope_key=SCOPE
        )
    ids = [r.id for r in first.rows + second.rows]
    assert ids == ref_sort(ROWS, MIXED)[:50]


async def test_cursor_survives_inserts_and_deletes(env: Env) -> None:
    site = f"site-mut-{uuid.uuid4().hex[:6]}"
    alive = {r["id"]: r for r in make_rows(99, 40)}
    await insert_rows(env.db, site, list(alive.values()))
    initial = set(alive)
    rng = random.Random(5)
    sort = [("qty", False), ("note", True), ("startDate", True)]
    keyed = {r["id"]: r for r in alive.values()}

    def order_key(row_id: str) -> int:
        return ref_sort(list(keyed.values()), sort).index(row_id)

    query: dict[str, Any] = {"sort": wire_sort(sort), "cursorPaging": {"limit": 6}}
    page = await query_page(env, query, site=site)
    visited = [r.id for r in page.rows]
    deleted: set[str] = set()
    inserted_after: set[str] = set()  # inserted beyond the position and never deleted
    seed = 1000
    while page.paging_metadata["hasNext"]:
        # Change the table: delete 2 random live rows (visited or not), insert 3 new ones.
        victims = rng.sample(sorted(alive), 2)
        await delete_rows(env.db, site, victims)
        for v in victims:
            alive.pop(v)
            deleted.add(v)
            inserted_after.discard(v)
        seed += 1
        new = make_rows(seed, 3)
        await insert_rows(env.db, site, new)
        for r in new:
            alive[r["id"]] = r
            keyed[r["id"]] = r
            if order_key(r["id"]) > order_key(visited[-1]):
                inserted_after.add(r["id"])
        cursor = page.paging_metadata["cursors"]["next"]
        page = await query_page(env, {"cursorPaging": {"cursor": cursor}}, site=site)
        visited += [r.id for r in page.rows]
    assert len(visited) == len(set(visited)), "a row was repeated"
    positions = [order_key(v) for v in visited]
    assert positions == sorted(positions), "rows out of order"
    survivors = initial - deleted
    assert survivors <= set(visited), "a row present all along was skipped"
    assert inserted_after <= set(visited), "a row inserted ahead of the cursor was skipped"
    # Deleted rows were never returned after their deletion: only rows alive at the end or
    # visited before deletion appear.
    assert set(visited) <= set(keyed)


async def test_prev_page_after_deleting_everything_before(env: Env) -> None:
    site = f"site-prev-{uuid.uuid4().hex[:6]}"
    rows = make_rows(7, 9)
    await insert_rows(env.db, site, rows)
    first = await query_page(
        env, {"sort": [{"fieldName": "id"}], "cursorPaging": {"limit": 3}}, site=site
    )
    second = await query_page(
        env, {"cursorPaging": {"cursor": first.paging_metadata["cursors"]["next"]}}, site=site
    )
    await delete_rows(env.db, site, [r.id for r in first.rows])
    back = await query_page(
        env, {"cursorPaging": {"cursor": second.paging_metadata["cursors"]["prev"]}}, site=site
    )
    assert back.rows == []
    assert back.paging_metadata["hasNext"] is True
    assert "prev" not in back.paging_metadata["cursors"]
    again = await query_page(
        env, {"cursorPaging": {"cursor": back.paging_metadata["cursors"]["next"]}}, site=site
    )
    assert [r.id for r in again.rows] == [r.id for r in second.rows]
    assert "prev" not in again.paging_metadata["cursors"]  # nothing before it any more
    resent = await query_page(
        env, {"cursorPaging": {"cursor": first.paging_metadata["cursors"]["next"]}}, site=site
    )
    assert [r.id for r in resent.rows] == [r.id for r in second.rows]
    assert "prev" not in resent.paging_metadata["cursors"]
    assert "next" in resent.paging_metadata["cursors"]


# ---------------------------------------------------------------- (4) errors


def parse(query: Any, spec: QuerySpec = SPEC, scope: str = SCOPE) -> Any:
    return parse_query(spec, query, signer=SIGNER, scope_key=scope)


def violation(query: Any, spec: QuerySpec = SPEC, scope: str = SCOPE) -> tuple[str, str]:
    with pytest.raises(errors.InvalidRequest) as info:
        parse(query, spec, scope)
    assert len(info.value.violations) == 1
    v = info.value.violations[0]
    return v.field, v.violated_rule


def a_cursor(scope: str = SCOPE, **query: Any) -> str:
    parsed = parse({"cursorPaging": {}, **query}, scope=scope)
    keys = len(parsed.keys)
    return encode_cursor(SIGNER, scope, parsed, Position((None,) * (keys - 1) + (IDS[0],), True))


def tamper(token: str) -> str:
    middle = len(token) // 2
    return token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]


@pytest.mark.parametrize(
    ("query", "field", "rule"),
    [
        ({"filter": {"nope": 1}}, "query.filter.nope", errors.FIELD_NOT_ALLOWED),
        ({"filter": {"contact": {"phone": 1}}}, "query.filter.contact.phone", "FIELD_NOT_ALLOWED"),
        ({"filter": {"nope": {}}}, "query.filter.nope", errors.FIELD_NOT_ALLOWED),
        ({"filter": {"note": {}}}, "query.filter.note", errors.FORMAT),
        ({"filter": {"$and": [{"nope": 1}]}}, "query.filter.$and[0].nope", "FIELD_NOT_ALLOWED"),
        ({"filter": {"$or": []}}, "query.filter.$or", errors.FORMAT),
        ({"filter": {"$not": [1]}}, "query.filter.$not", errors.FORMAT),
        ({"filter": {"$eq": 1}}, "query.filter.$eq", errors.FIELD_NOT_ALLOWED),
        ({"filter": []}, "query.filter", errors.FORMAT),
        (
            {"filter": {"status": {"$startsWith": "C"}}},
            "query.filter.status.$startsWith",
            errors.FIELD_NOT_ALLOWED,
        ),
        ({"filter": {"tags": {"$gt": "a"}}}, "query.filter.tags.$gt", errors.FIELD_NOT_ALLOWED),
        ({"filter": {"name": {"$regex": "a"}}}, "query.filter.name.$regex", "FIELD_NOT_ALLOWED"),
        ({"filter": {"status": "NOPE"}}, "query.filter.status", errors.INVALID_ENUM_VALUE),
        (
            {"filter": {"status": {"$in": ["PENDING", "NOPE"]}}},
            "query.filter.status.$in[1]",
            errors.INVALID_ENUM_VALUE,
        ),
        ({"filter": {"qty": "abc"}}, "query.filter.qty", errors.FORMAT),
        ({"filter": {"qty": 1.5}}, "query.filter.qty", errors.FORMAT),
        ({"filter": {"qty": True}}, "query.filter.qty", errors.FORMAT),
        ({"filter": {"qty": 2**70}}, "query.filter.qty", errors.FORMAT),
        ({"filter": {"flag": 1}}, "query.filter.flag", errors.FORMAT),
        ({"filter": {"name": 5}}, "query.filter.name", errors.FORMAT),
        ({"filter": {"name": "a\x00b"}}, "query.filter.name", errors.FORMAT),
        ({"filter": {"name": ["a"]}}, "query.filter.name", errors.FORMAT),
        ({"filter": {"qty": {"$gt": None}}}, "query.filter.qty.$gt", errors.FORMAT),
        ({"filter": {"qty": {"$in": 3}}}, "query.filter.qty.$in", errors.FORMAT),
        ({"filter": {"note": {"$isEmpty": "yes"}}}, "query.filter.note.$isEmpty", errors.FORMAT),
        ({"filter": {"tags": None}}, "query.filter.tags", errors.FORMAT),
        ({"filter": {"tags": {"$hasAll": [None]}}}, "query.filter.tags.$hasAll[0]", "FORMAT"),
        (
            {"filter": {"startDate": {"$gte": "yesterday"}}},
            "query.filter.startDate.$gte",
            errors.FORMAT,
        ),
        (
            {"filter": {"startDate": {"$lt": "2026-01-01T10:00:00"}}},  # no offset
            "query.filter.startDate.$lt",
            errors.FORMAT,
        ),
        (
            {"filter": {"$or": [{"qty": 1}, {"startDate": {"$lt": "9999-12-31T23:59:59-23:59"}}]}},
            "query.filter.$or[1].startDate.$lt",
            errors.FORMAT,
        ),
        ({"filter": {"qty": {"$in": list(range(1001))}}}, "query.filter.qty.$in", "MAX_SIZE"),
        ({"sort": [{"fieldName": "nope"}]}, "query.sort[0].fieldName", errors.FIELD_NOT_ALLOWED),
        ({"sort": [{"fieldName": "tags"}]}, "query.sort[0].fieldName", errors.FIELD_NOT_ALLOWED),
        ({"sort": [{"order": "ASC"}]}, "query.sort[0].fieldName", errors.REQUIRED_FIELD),
        (
            {"sort": [{"fieldName": "qty"}, {"fieldName": "name", "order": "UP"}]},
            "query.sort[1].order",
            errors.INVALID_ENUM_VALUE,
        ),
        ({"sort": {"fieldName": "qty"}}, "query.sort", errors.FORMAT),
        ({"paging": {"limit": 0}}, "query.paging.limit", errors.MIN),
        ({"paging": {"limit": 101}}, "query.paging.limit", errors.MAX),
        ({"paging": {"limit": "x"}}, "query.paging.limit", errors.FORMAT),
        ({"paging": {"offset": -1}}, "query.paging.offset", errors.MIN),
        ({"cursorPaging": {"limit": 0}}, "query.cursorPaging.limit", errors.MIN),
        ({"cursorPaging": {"limit": 1000}}, "query.cursorPaging.limit", errors.MAX),
        ({"cursorPaging": {"cursor": 5}}, "query.cursorPaging.cursor", errors.FORMAT),
        ({"cursorPaging": {"cursor": "garbage"}}, "query.cursorPaging.cursor", errors.FORMAT),
        ({"cursorPaging": {"cursor": "é"}}, "query.cursorPaging.cursor", errors.FORMAT),
        (
            {"paging": {"limit": 5}, "cursorPaging": {"limit": 5}},
            "query.cursorPaging",
            errors.ONE_OF_ALIGNMENT,
        ),
        ("nope", "query", errors.FORMAT),
    ],
)
def test_violations(query: Any, field: str, rule: str) -> None:
    assert violation(query) == (field, rule)


def test_cursor_violations() -> None:
    cursor = a_cursor(filter={"qty": {"$gt": 0}}, sort=[{"fieldName": "note"}])
    parsed = parse({"cursorPaging": {"cursor": cursor, "limit": 4}})
    assert parsed.limit == 4 and parsed.position is not None
    assert parsed.filter == {"qty": {"$gt": 0}} and parsed.sort == (("note", False),)
    path = "query.cursorPaging.cursor"
    assert violation({"cursorPaging": {"cursor": tamper(cursor)}}) == (path, errors.FORMAT)
    assert violation({"cursorPaging": {"cursor": cursor[:-2]}}) == (path, errors.FORMAT)
    foreign = a_cursor(scope=f"{OTHER_SITE}:items")
    assert violation({"cursorPaging": {"cursor": foreign}}) == (path, errors.FORMAT)
    other_api = a_cursor(scope=f"{SITE}:other-api")
    assert violation({"cursorPaging": {"cursor": other_api}}) == (path, errors.FORMAT)
    assert violation({"cursorPaging": {"cursor": "x" * 300_000}}) == (path, errors.MAX_LENGTH)
    # Signed here but not a query cursor.
    assert violation({"cursorPaging": {"cursor": SIGNER.sign({"v": 1, "s": SCOPE})}}) == (
        path,
        errors.FORMAT,
    )
    assert violation({"cursorPaging": {"cursor": cursor}, "filter": {"qty": 1}}) == (
        "query.filter",
        errors.FIELD_NOT_ALLOWED,
    )
    assert violation({"cursorPaging": {"cursor": cursor}, "sort": [{"fieldName": "qty"}]}) == (
        "query.sort",
        errors.FIELD_NOT_ALLOWED,
    )
    # Empty filter/sort next to a cursor are fine.
    parse({"cursorPaging": {"cursor": cursor}, "filter": {}, "sort": []})
    assert violation({"cursorPaging": {"cursor": cursor, "limit": 500}}) == (
        "query.cursorPaging.limit",
        errors.MAX,
    )
    assert violation({"paging": {"limit": 5}}, spec=CURSOR_ONLY) == (
        "query.paging",
        errors.FIELD_NOT_ALLOWED,
    )


def test_prefix_and_large_filter_cursor() -> None:
    with pytest.raises(errors.InvalidRequest) as info:
        compile_filter(SPEC, {"x": 1}, "filter")
    assert info.value.violations[0].field == "filter.x"
    big = {"id": {"$in": [str(uuid.UUID(int=i)) for i in range(900)]}}
    cursor = a_cursor(filter=big)
    assert parse({"cursorPaging": {"cursor": cursor}}).filter == big


# ---------------------------------------------------------------- (5) offset paging


async def test_offset_paging_metadata(env: Env) -> None:
    filter_ = {"status": {"$in": ["CONFIRMED", "PENDING"]}}
    expected = ref_sort([r for r in ROWS if ref_eval(filter_, r)], [("name", False)])
    total = len(expected)
    assert 10 < total < 50
    for offset in (0, 7, total - 3, total, total + 5):
        page = await query_page(
            env,
            {
                "filter": filter_,
                "sort": [{"fieldName": "name"}],
                "paging": {"limit": 7, "offset": offset},
            },
        )
        assert [r.id for r in page.rows] == expected[offset : offset + 7]
        assert page.paging_metadata == {
            "count": len(expected[offset : offset + 7]),
            "offset": offset,
            "total": total,
            "tooManyToCount": False,
        }
    page = await query_page(env, {"paging": {}})
    assert page.paging_metadata == {"count": 10, "offset": 0, "total": 60, "tooManyToCount": False}
    page = await query_page(env, {"paging": {"limit": 100}, "filter": {"qty": 99}})
    assert page.paging_metadata == {"count": 0, "offset": 0, "total": 0, "tooManyToCount": False}


async def test_count(env: Env) -> None:
    async with env.db.read(SITE) as s:
        n = await count(s, SPEC, s.select(ITEMS), {"tags": {"$hasSome": ["red", "blue"]}})
        everything = await count(s, SPEC, s.select(ITEMS), None)
        with pytest.raises(errors.InvalidRequest) as info:
            await count(s, SPEC, s.select(ITEMS), {"nope": 1})
    assert n == sum(1 for r in ROWS if {"red", "blue"} & set(r["tags"]))
    assert everything == 60
    assert info.value.violations[0].field == "filter.nope"
