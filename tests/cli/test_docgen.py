"""docs/scenarios.md: generated from the schema, complete, and committed up to date."""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from arsim.cli.docgen import main, scenario_reference
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario

DOCS = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"
ROW = re.compile(r"^\| `([^`]+)` \| (.*) \|$")


@pytest.fixture(scope="module")
def reference() -> str:
    return scenario_reference()


@pytest.fixture(scope="module")
def rows(reference: str) -> dict[str, list[str]]:
    """Key -> [type, unit, default, allowed, description], from the rendered tables."""
    found: dict[str, list[str]] = {}
    for line in reference.splitlines():
        match = ROW.match(line)
        if match:
            found[match.group(1)] = [c.strip() for c in match.group(2).split(" | ")]
    return found


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    """Models reachable through Annotated, Optional, tuple and dict (written apart from docgen)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def _field_paths(model: type[BaseModel], prefix: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    for name, field in model.model_fields.items():
        yield (*prefix, name)
        for inner in _models_in(field.annotation):
            yield from _field_paths(inner, (*prefix, name))


def _plain(key: str) -> tuple[str, ...]:
    """``policy.terms.<grade>.discounts[].rate`` -> (policy, terms, discounts, rate)."""
    return tuple(p.removesuffix("[]") for p in key.split(".") if not p.startswith("<"))


@pytest.mark.parametrize(
    "path",
    [*_field_paths(Scenario, ()), *_field_paths(Policy, ("policy",))],
    ids=".".join,
)
def test_every_field_is_documented(path: tuple[str, ...], rows: dict[str, list[str]]) -> None:
    documented = {_plain(key) for key in rows}
    assert path in documented


def test_every_row_has_a_description(rows: dict[str, list[str]]) -> None:
    assert [key for key, cells in rows.items() if not cells[4]] == []


def test_committed_file_is_up_to_date(reference: str) -> None:
    assert DOCS.exists(), "docs/scenarios.md is missing: run `make docs`"
    assert DOCS.read_text(encoding="utf-8") == reference, (
        "docs/scenarios.md is stale: run `make docs` and commit it"
    )


def test_header_says_generated(reference: str) -> None:
    head = reference[:400]
    assert "Generated" in head
    assert "make docs" in head


def test_share_field(rows: dict[str, list[str]]) -> None:
    kind, unit, default, allowed, _ = rows["company.cost_of_capital_annual"]
    assert (kind, unit, default, allowed) == ("share 0-1", "share per year", "required", "0 to 1")


def test_literal_field(rows: dict[str, list[str]]) -> None:
    kind, _, default, _, _ = rows["policy.collections.work_order"]
    assert kind == "one of fifo, largest_first, oldest_first, quadrant"
    assert default == "`fifo`"


def test_exclusive_bounds_and_days(rows: dict[str, list[str]]) -> None:
    kind, unit, default, allowed, _ = rows["horizon.horizon_days"]
    assert (kind, unit, default, allowed) == ("days", "days", "`730`", "> 0, ≤ 36500")


def test_optional_and_distribution_unit(rows: dict[str, list[str]]) -> None:
    assert rows["policy.collections.collectors"][:3] == ["integer, or null", "", "`null`"]
    assert rows["segments[].order_amount.mean"][:2] == ["money", "money"]
    assert rows["segments[].disputes.resolution_days"][2] == "`{mean: 30, cv: 0.5}`"


def test_mappings_name_their_keys(rows: dict[str, list[str]]) -> None:
    kind, _, default, allowed, _ = rows["policy.terms"]
    assert (kind, default, allowed) == ("mapping grade -> terms", "required", "keys A, B, C, D")
    assert rows["segments[].payer_mix"][0] == "mapping payer type -> share 0-1"
    assert "policy.terms.<grade>.discounts[].rate" in rows


def test_terms_notation_is_explained(reference: str) -> None:
    section = reference.split("### `policy.terms.<grade>`")[1].split("###", maxsplit=1)[0]
    for notation in ('"2/10, N/30"', '"6/10, 3/20, N/45"', '"N/30"', '"cash"'):
        assert notation in section


def test_check_flags_a_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "docs" / "scenarios.md"
    assert main(["--check", "--path", str(target)]) == 1
    assert main(["--path", str(target)]) == 0
    assert list(target.parent.iterdir()) == [target]  # the temporary file was renamed
    assert main(["--check", "--path", str(target)]) == 0
    target.write_text(target.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    assert main(["--check", "--path", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 2  # one line per failed check
    assert "cannot read it" in err.splitlines()[0]  # a missing file is not called stale
    assert "make docs" in err.splitlines()[1]
