"""Fuzzing the table schemas: a schema file with any part replaced by any JSON value, or any
property removed, is reported as located problems in that file, never a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import LOCATED, REPO, TABLES
from hypothesis import given
from hypothesis import strategies as st

from nzdefence.problems import NOT_A_ROW
from nzdefence.schemas import SchemaError, read_schemas

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-2, 2)
    | st.floats(allow_nan=False)
    | st.sampled_from(["", "x", "id", "actors", "list", "string", "date_range"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["name", "type", "fields", "reference", "resource", "rule"]
            ),
            children,
            max_size=3,
        )
    ),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("schemas")
    shutil.copytree(REPO / "schema", root / "schema")
    return root


@st.composite
def broken(draw, descriptor):
    """``descriptor`` with one part, chosen by walking down from the top, replaced or removed."""
    descriptor = json.loads(json.dumps(descriptor))
    parent = descriptor
    while True:
        keys = list(parent) if isinstance(parent, dict) else list(range(len(parent)))
        key = draw(st.sampled_from(keys))
        child = parent[key]
        if not (isinstance(child, (dict, list)) and child and draw(st.booleans())):
            break
        parent = child
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[key]
    else:
        parent[key] = draw(JSON)
    return descriptor


@given(data=st.data())
def test_a_broken_schema_is_located_problems_never_a_traceback(checkout, data):
    name = data.draw(st.sampled_from(TABLES))
    path = checkout / "schema" / f"{name}.schema.json"
    original = json.loads((REPO / "schema" / f"{name}.schema.json").read_text())
    path.write_text(json.dumps(data.draw(broken(original))), encoding="utf-8")
    try:
        read_schemas(checkout)
    except SchemaError as error:
        assert error.problems
        # A broken table may be reported in its own schema, or in those that refer to it.
        for problem in error.problems:
            assert problem.path.startswith("schema/") and problem.line == NOT_A_ROW
            assert LOCATED.fullmatch(str(problem))
    finally:
        shutil.copy2(REPO / "schema" / f"{name}.schema.json", path)
