"""Scenario files: safe loading, one clear message per error, with line and nearest key."""

from __future__ import annotations

from pathlib import Path

import pytest

from arsim.sim.errors import PolicyError, ScenarioError
from arsim.sim.loader import SHIPPED_DIR, apply_overrides, load, load_policies, load_text
from arsim.sim.scenario import PayerType, _default_payer_types
from arsim.sim.wording import plain_message

MINIMAL = """\
name: tiny
company:
  variable_cost_ratio: 0.8
  cost_of_capital_annual: 0.1
segments:
  - name: trade
    customers: 20
    grade: B
    orders_per_year: 12
    order_amount: {mean: 1000, cv: 0.5}
    payer_mix: {on_time: 0.6, reminded: 0.4}
policy:
  terms: {B: "2/10, N/30"}
  ladder:
    - {day: -7, action: reminder}
    - {day: 7, action: phone, collector_minutes: 8}
"""


def test_minimal_file_loads_with_defaults() -> None:
    scenario, policy = load_text(MINIMAL)
    assert scenario.customers == 20
    assert policy.terms["B"].notation == "2/10, N/30"  # type: ignore[index]
    assert scenario.conventions.days_in_year == 365


def _error(text: str) -> str:
    with pytest.raises(ScenarioError) as info:
        load_text(text, source="my.yaml")
    message = str(info.value)
    assert "\n" not in message
    return message


def test_unknown_key_names_line_and_nearest_key() -> None:
    message = _error(MINIMAL.replace("cost_of_capital_annual", "cost_of_capitl_annual"))
    assert message.startswith("my.yaml:4:")
    assert "cost_of_capitl_annual" in message
    assert "did you mean 'cost_of_capital_annual'" in message


def test_unknown_key_inside_a_list_item() -> None:
    message = _error(MINIMAL.replace("orders_per_year", "orders_per_yr"))
    assert message.startswith("my.yaml:9:")
    assert "segments.0.orders_per_yr" in message
    assert "orders_per_year" in message


def test_unknown_policy_key() -> None:
    message = _error(MINIMAL.replace("  ladder:", "  ladders:"))
    assert message.startswith("my.yaml:14:")
    assert "policy.ladders" in message


@pytest.mark.parametrize(("old", "new", "fragment"), [
    ("mean: 1000", "mean: -5", "segments.0.order_amount.mean"),
    ("on_time: 0.6", "on_time: 0.7", "sum to 1.1"),
    ('"2/10, N/30"', '"2/40, N/30"', "not shorter than the credit period"),
    ("day: 7, action: phone", "day: -9, action: phone", "list the steps in day order"),
    ("variable_cost_ratio: 0.8", "variable_cost_ratio: 1.5", "variable_cost_ratio"),
])
def test_impossible_values_give_one_line(old: str, new: str, fragment: str) -> None:
    assert old in MINIMAL
    message = _error(MINIMAL.replace(old, new))
    assert fragment in message


def test_malformed_yaml_reports_line() -> None:
    message = _error(MINIMAL.replace("grade: B", "grade: [B"))
    assert "malformed YAML" in message
    assert message.startswith("my.yaml:")


def test_aliases_are_refused() -> None:
    text = MINIMAL.replace("order_amount: {mean: 1000, cv: 0.5}",
                           "order_amount: &amt {mean: 1000, cv: 0.5}\n    extra: *amt")
    assert "aliases" in _error(text)


def test_missing_policy_and_missing_key() -> None:
    assert "missing key 'policy'" in _error(MINIMAL.split("policy:", maxsplit=1)[0])
    assert "missing key 'company.cost_of_capital_annual'" in _error(
        MINIMAL.replace("  cost_of_capital_annual: 0.1\n", ""))


def test_missing_file() -> None:
    with pytest.raises(ScenarioError, match="cannot read"):
        load(Path("/nonexistent/arsim.yaml"))


def test_overrides_change_policy_and_scenario() -> None:
    scenario, policy = load_text(MINIMAL)
    scenario, policy = apply_overrides(scenario, policy, [
        "terms.B=N/60", "scenario.horizon.horizon_days=100", "policy.ladder.1.day=10"])
    assert policy.terms["B"].net_days == 60  # type: ignore[index]
    assert scenario.horizon.horizon_days == 100
    assert policy.ladder[1].day == 10
    with pytest.raises(PolicyError, match="rate_annual"):
        apply_overrides(scenario, policy, ["late_penalty.rate=0.1"])
    with pytest.raises(ScenarioError, match="path=value"):
        apply_overrides(scenario, policy, ["terms.B"])


def test_extends_merges_mappings_and_replaces_lists(tmp_path: Path) -> None:
    base = Path(__file__).parents[2] / "scenarios" / "default.yaml"
    child = tmp_path / "child.yaml"
    child.write_text(
        f"extends: {base}\n"
        "name: child\n"
        "company: {cost_of_capital_annual: 0.2}\n"
        "policy:\n"
        "  ladder: [{day: 5, action: phone, collector_minutes: 10}]\n", encoding="utf-8")
    scenario, policy = load(child)
    parent_scenario, parent_policy = load(base)
    assert scenario.name == "child"
    assert scenario.company.cost_of_capital_annual == 0.2
    # merged key by key: the rest of company comes from the base
    assert scenario.company.variable_cost_ratio == parent_scenario.company.variable_cost_ratio
    assert scenario.segments == parent_scenario.segments
    assert len(policy.ladder) == 1 and policy.terms == parent_policy.terms


def test_extends_refuses_loops_and_missing_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("extends: b.yaml\nname: a\n", encoding="utf-8")
    b.write_text("extends: a.yaml\nname: b\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"in a loop"):
        load(a)
    c = tmp_path / "c.yaml"
    c.write_text("extends: nowhere.yaml\nname: c\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"c.yaml:1: extends: no such file"):
        load(c)


def test_a_payer_type_keeps_the_built_in_keys_it_does_not_state() -> None:
    text = (Path(__file__).parents[2] / "tests" / "data" / "tiny.yaml").read_text("utf-8")
    text += "\npayer_types:\n  reminded: {promise_break_share: 0.9}\n"
    scenario, _ = load_text(text)
    reminded = scenario.payer_profile(PayerType.REMINDED)
    assert reminded.promise_break_share == 0.9
    built_in = _default_payer_types()[PayerType.REMINDED]
    assert reminded.response == built_in.response and reminded.lag_days == built_in.lag_days


def test_a_count_out_of_bounds_is_worded_as_a_count_and_a_share_as_a_share() -> None:
    """'customers is -35; it must be at least 1', not 'at least 1 (100%)'; a share keeps its
    percentage ('must be below 0.5 (50%)')."""
    count = {"type": "greater_than_equal", "ctx": {"ge": 1}, "input": -35, "msg": ""}
    assert plain_message(count) == "must be at least 1"
    share = {"type": "less_than", "ctx": {"lt": 0.5}, "input": 0.6, "msg": ""}
    assert plain_message(share) == "must be below 0.5 (50%)"
    whole_share = {"type": "less_than_equal", "ctx": {"le": 1}, "input": 1.5, "msg": ""}
    assert plain_message(whole_share) == "must be at most 1 (100%)"


def test_a_shipped_scenario_loads_by_name_from_any_folder(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """As `arsim run default` finds it: a notebook outside the repository failed on the
    README's load("scenarios/default.yaml"). A file of that name in the folder comes first."""
    monkeypatch.chdir(tmp_path)
    assert load("default")[0].name == load(SHIPPED_DIR / "default.yaml")[0].name
    assert load_policies("ladders.yaml")[0].name == "ladders"  # the teaching pack too
    with pytest.raises(ScenarioError, match="nosuch: cannot read the file"):
        load("nosuch")
    (tmp_path / "default").write_text((SHIPPED_DIR / "ladder_003.yaml").read_text("utf-8"),
                                      encoding="utf-8")
    assert load("default")[0].name == load(SHIPPED_DIR / "ladder_003.yaml")[0].name
