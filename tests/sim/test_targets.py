"""Calibration targets: bands, verdicts, paired effects, the table, its markers, the sources."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arsim.sim import load, run
from arsim.sim import targets as tg
from arsim.sim.calibrate import (
    BEGIN,
    END,
    Calibration,
    Check,
    band_text,
    calibrate,
    judge,
    relative_change,
    render,
    replace_block,
    simulated_text,
)
from arsim.sim.errors import ArsimError
from arsim.sim.stats import Estimate

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "data" / "tiny.yaml"
UK = ROOT / "tests" / "data" / "uk_payment_practices"


def _estimate(mean: float, half: float, n: int = 5) -> Estimate:
    return Estimate(mean, half, math.nan if math.isnan(half) else 1.0, n)


def test_a_band_is_closed_and_may_be_open_on_either_side() -> None:
    band = tg.Band(15.0, 58.0)
    assert band.contains(15.0) and band.contains(58.0) and not band.contains(58.01)
    assert not band.contains(math.nan)
    assert tg.Band(None, 0.03).contains(-1e9) and tg.Band(0.3, None).contains(1e9)
    assert band.holds(20.0, 30.0) and not band.holds(10.0, 30.0)
    assert band.misses(59.0, 70.0) and band.misses(1.0, 14.0) and not band.misses(10.0, 16.0)
    assert not tg.Band().misses(-1e9, 1e9)


@pytest.mark.parametrize(("mean", "half", "verdict"), [
    (20.0, 1.0, "meets"),     # 19-21 inside 15-58
    (60.0, 1.0, "misses"),    # 59-61 above
    (57.5, 1.0, "edge"),      # 56.5-58.5 straddles 58
    (14.5, 1.0, "edge"),      # 13.5-15.5 straddles 15
    (20.0, math.nan, "meets"),  # one replication: the mean decides
    (70.0, math.nan, "misses"),
])
def test_a_verdict_reads_the_whole_interval(mean: float, half: float, verdict: str) -> None:
    assert judge(_estimate(mean, half), tg.Band(15.0, 58.0)) == verdict


def test_a_floor_cuts_the_interval_where_no_value_is_possible() -> None:
    # a share dropped of 0.001% +- 0.002%: its interval reaches below 0, which no share can
    # be; cut at the floor it lies inside 0-5% (without the floor it straddles the 0 edge)
    dropped = _estimate(0.00001, 0.00002)
    assert judge(dropped, tg.Band(0.0, 0.05)) == "edge"
    assert judge(dropped, tg.Band(0.0, 0.05), floor=0.0) == "meets"
    # the floor never helps an interval above the band
    assert judge(_estimate(0.07, 0.01), tg.Band(0.0, 0.05), floor=0.0) == "misses"


def test_no_band_is_reported_and_no_figure_is_not_applicable() -> None:
    assert judge(_estimate(1.0, 0.1), None) == "reported"
    assert judge(Estimate(math.nan, math.nan, math.nan, 0), tg.Band(0.0, 1.0)) == "n/a"


def test_a_relative_change_is_paired_replication_by_replication() -> None:
    # variant/base - 1 per replication: 0.2, 0.4, 0.3 -> mean 0.3, s 0.1, t(0.975, 2) 4.302653
    change = relative_change([12.0, 28.0, 13.0], [10.0, 20.0, 10.0])
    assert change.mean == pytest.approx(0.3)
    assert change.half_width == pytest.approx(4.302653 * 0.1 / math.sqrt(3), rel=1e-6)
    # a zero base has no relative change: that replication is left out
    assert relative_change([1.0, 2.0], [0.0, 1.0]).n == 1
    with pytest.raises(ValueError, match="differ in length"):
        relative_change([1.0], [1.0, 2.0])


@given(st.lists(st.floats(1.0, 100.0), min_size=2, max_size=8), st.floats(0.5, 2.0))
def test_a_common_factor_is_its_own_relative_change(base: list[float], factor: float) -> None:
    change = relative_change([b * factor for b in base], base)
    assert change.mean == pytest.approx(factor - 1.0)
    assert change.half_width == pytest.approx(0.0, abs=1e-9)


def test_the_over_90_share_is_of_the_whole_open_book() -> None:
    metrics = {"aging_current": 60.0, "aging_1_30": 20.0, "aging_31_60": 5.0,
               "aging_61_90": 5.0, "aging_90_plus": 10.0}
    assert tg.OVER_90.read(metrics) == pytest.approx(0.10)
    assert math.isnan(tg.OVER_90.read(dict.fromkeys(metrics, 0.0)))


def test_the_variants_change_what_they_say() -> None:
    _, default = load(ROOT / "scenarios" / "default.yaml")
    _, ladder_000 = load(ROOT / "scenarios" / "ladder_000.yaml")
    _, ladder_003 = load(ROOT / "scenarios" / "ladder_003.yaml")
    none = tg.NO_LADDER.apply(ladder_000)
    assert none is not None and none.ladder == () and all(
        steps == () for steps in none.ladders_by_grade.values())
    early = tg.NO_PRE_DUE.apply(default)
    assert early is not None and [s.day for s in early.ladder] == [7, 15, 30, 90, 180]
    # [003] has no agency nor lawsuit: that variant changes nothing, so it does not apply
    assert tg.NO_HARD_STEPS.apply(ladder_003) is None
    hard = tg.NO_HARD_STEPS.apply(default)
    assert hard is not None and {s.action.value for s in hard.ladder}.isdisjoint(
        {"agency", "lawsuit"})
    assert tg.NO_LIMITS.apply(default).credit_limit.method == "none"  # type: ignore[union-attr]
    no_stop = tg.NO_STOP.apply(default)
    assert no_stop is not None and [s.day for s in no_stop.ladder] == [-7, 0, 7, 15, 90, 180]
    richer = tg.RICHER_DISCOUNT.apply(default)
    assert richer is not None
    assert richer.terms["B"].notation == "3/10, N/45" and richer.terms["C"].notation == "N/30"


def test_every_target_has_a_source_and_a_unique_key() -> None:
    keys = [t.key for t in tg.TARGETS]
    assert len(keys) == len(set(keys))
    for target in tg.TARGETS:
        assert target.source.strip() and target.claim.strip()
        assert (target.variant is None) == (target.change == "level"), target.key


def _bands_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("uk_bands", UK / "bands.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_uk_bands_are_those_the_data_gives() -> None:
    computed = _bands_script().bands(UK)
    assert computed["UK_DAYS_TO_PAY"] == tg.UK_DAYS_TO_PAY
    assert computed["UK_MEDIAN_DAYS_TO_PAY"] == (tg.UK_MEDIAN_DAYS_TO_PAY,)
    assert computed["UK_SHARE_NOT_ON_TIME"] == pytest.approx(tg.UK_SHARE_NOT_ON_TIME)
    assert computed["UK_DAYS_BEYOND_TERMS"] == tg.UK_DAYS_BEYOND_TERMS


def test_the_copied_uk_data_matches_the_shared_data_where_it_is_present() -> None:
    shared = ROOT.parent / "shared" / "data" / "uk_payment_practices"
    if not shared.is_dir():
        pytest.skip("the shared data folder is not beside this checkout (only on the "
                    "project's machine); the copy in tests/data is checked above")
    assert _bands_script().bands(shared) == _bands_script().bands(UK)


def test_the_markers_bound_what_is_replaced() -> None:
    text = f"# Model\n\nbefore\n{BEGIN}\nold table\n{END}\nafter\n"
    new = replace_block(text, "| new |\n")
    assert new == f"# Model\n\nbefore\n{BEGIN}\n| new |\n{END}\nafter\n"
    assert replace_block(new, "| new |") == new  # idempotent
    with pytest.raises(ArsimError, match="markers"):
        replace_block("no markers here", "x")
    with pytest.raises(ArsimError, match="markers"):
        replace_block(text + BEGIN + "\n", "x")
    with pytest.raises(ArsimError, match="markers"):
        replace_block(f"{END}\n{BEGIN}\n", "x")


def _check(target: tg.Target, mean: float, half: float) -> Check:
    value = _estimate(mean, half)
    return Check("default", target, value, judge(value, target.band))


def test_the_table_shows_band_simulated_verdict_and_source() -> None:
    by_key = {t.key: t for t in tg.TARGETS}
    checks = (_check(by_key["dso_plausible"], 20.56, 0.17),
              _check(by_key["ladder_shortens_cycle"], 0.23, 0.006),
              _check(by_key["limits_cut_bad_debt"], 0.0012, 0.0001),
              _check(by_key["ladder_pays"], -1.5e6, 0.61e6))
    calibration = Calibration(checks, 8, (20261123,), ("des",))
    assert band_text(by_key["dso_plausible"]) == "15.00 d to 58.00 d"
    assert band_text(by_key["ladder_shortens_cycle"]) == ">= +30.0%"
    assert band_text(by_key["bad_debt_ceiling"]) == "<= 3.00%"
    assert simulated_text(checks[1]) == "+23.0% ± 0.6%"
    assert simulated_text(checks[2]) == "+0.120 pp ± 0.010 pp"
    assert simulated_text(checks[3]) == "-1.50M ± 0.61M"
    table = render(calibration, markdown=True).splitlines()
    assert table[0].startswith("| Scenario | Target |") and len(table) == 2 + 4 + 2
    assert table[2].endswith(f"| 20.56 d ± 0.17 d | meets | {by_key['dso_plausible'].source} |")
    assert "| misses |" in table[3] and "| meets |" in table[4] and "| misses |" in table[5]
    text = render(calibration)
    assert "8 replications on common random numbers, root seed 20261123" in text
    assert "source: [000] without a unified collection process" in text


def test_calibrate_pairs_a_variant_with_the_policy_on_the_same_seeds() -> None:
    """The table's effect is the paired change of two ordinary runs on the same seeds."""
    scenario, policy = load(TINY)
    result = calibrate([(scenario, policy)], replications=3, jobs=1)
    check = result.by_key("tiny", "ladder_shortens_cycle")
    base = run(scenario, policy, replications=3)
    none = run(scenario, tg.NO_LADDER.change(policy), replications=3)
    expected = relative_change([r.metrics["dso"] for r in none.replications],
                               [r.metrics["dso"] for r in base.replications])
    assert check.estimate == expected
    assert check.verdict == judge(expected, tg.Band(0.30, None))
    level = result.by_key("tiny", "team_not_saturated").estimate
    assert level.mean == pytest.approx(base.summary["collector_utilisation"].mean)
    # targets named for the shipped scenarios are not checked on another one
    assert all(c.scenario == "tiny" and c.target.applies_to("tiny") for c in result.checks)
    assert "dso_plausible" not in {c.target.key for c in result.checks}


def test_calibrate_refuses_repeated_names_and_nothing_to_check() -> None:
    case = load(TINY)
    with pytest.raises(ArsimError, match="repeat"):
        calibrate([case, case], replications=1)
    levels = [t for t in tg.TARGETS if t.scenarios == ("default",)]
    with pytest.raises(ArsimError, match="no target applies"):
        calibrate([case], targets=levels, replications=1)
