"""Named alternative policies (``policies:``) and policy files, as `arsim compare` reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from arsim.sim.errors import ScenarioError
from arsim.sim.loader import load, load_policies
from arsim.sim.policy_file import load_policy

SCENARIO = """\
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
  name: base
  terms: {B: "2/10, N/30"}
  ladder:
    - {day: -7, action: reminder}
    - {day: 7, action: phone, collector_minutes: 8}
policies:
  n60:
    terms: {B: N/60}
  no ladder:
    name: without reminders
    ladder: []
"""


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def test_named_policies_merge_over_the_base_policy(scenario_file: Path) -> None:
    _, base, named = load_policies(scenario_file)
    assert list(named) == ["n60", "no ladder"]
    n60 = named["n60"]
    assert n60.name == "n60"  # called by its key unless it names itself
    assert n60.terms["B"].net_days == 60 and not n60.terms["B"].discounts
    assert n60.ladder == base.ladder  # what it does not state comes from policy:
    assert named["no ladder"].name == "without reminders" and named["no ladder"].ladder == ()
    # load() is unchanged by the extra key
    assert load(scenario_file)[1] == base


def test_a_bad_named_policy_is_reported_with_its_path_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SCENARIO.replace("terms: {B: N/60}", "termz: {B: N/60}"), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_policies(path)
    message = str(info.value)
    assert "policies.n60.termz" in message and "did you mean 'terms'" in message
    assert f"{path}:20:" in message


def test_policies_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    head = SCENARIO.split("policies:", maxsplit=1)[0]
    path.write_text(head + "policies: [a, b]\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="policies: give a mapping"):
        load_policies(path)


def test_a_policy_file_states_what_differs(scenario_file: Path, tmp_path: Path) -> None:
    _, base, _ = load_policies(scenario_file)
    plain = tmp_path / "p.yaml"
    plain.write_text("name: long terms\nterms: {B: N/90}\n", encoding="utf-8")
    policy = load_policy(plain, base)
    assert policy.name == "long terms" and policy.terms["B"].net_days == 90
    assert policy.ladder == base.ladder
    # a scenario file as a policy file: its policy: is taken
    other = load_policy(scenario_file, base.with_value("terms.B", "N/10"))
    assert other == base


def test_a_bad_policy_file_is_one_clear_error(tmp_path: Path, scenario_file: Path) -> None:
    _, base, _ = load_policies(scenario_file)
    bad = tmp_path / "p.yaml"
    bad.write_text("name: x\nlate_penalty: {rate_anual: 0.1}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"p.yaml:2: unknown key 'late_penalty.rate_anual'"):
        load_policy(bad, base)
    with pytest.raises(ScenarioError, match="cannot read"):
        load_policy(tmp_path / "missing.yaml", base)
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="must be a mapping"):
        load_policy(listed, base)
