"""The default scenario against its targets (docs/model.md, "Calibration"), on the real model.

Few replications, so the check reads each target's mean against its band, not the whole
interval (the table's verdict): a target the default meets today must keep its mean in the
band as the model changes. The targets it misses today are listed with why, as the
documented findings of docs/model.md; nothing here pins a simulated figure.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from arsim.sim import load
from arsim.sim.calibrate import Calibration, calibrate
from arsim.sim.targets import TARGETS

ROOT = Path(__file__).resolve().parents[2]

#: Targets the default meets today (mean inside the band).
MET_TODAY = frozenset({
    "dso_plausible", "dso_below_industry", "days_beyond_terms", "share_paid_late",
    "bad_debt_ceiling", "recovery_rate", "team_not_saturated", "follow_up_24h",
    "early_reminder", "hard_steps_limit_loss", "limits_cut_bad_debt", "discount_responds",
    "calls_done", "ladder_shortens_cycle", "ladder_pays",
})

#: Targets the default misses today, and why (docs/model.md, "Calibration" has the evidence).
MISSED_TODAY = {
    "limits_pay": "the limits hold orders of customers whose sales stay profitable at a 20% "
                  "margin even when paid late: the held margin outweighs the bad debt saved",
}


@pytest.fixture(scope="module")
def default_calibration() -> Calibration:
    case = load(ROOT / "scenarios" / "default.yaml")
    return calibrate([case], replications=3, jobs=2)


def test_every_target_of_the_default_is_either_met_or_a_documented_miss() -> None:
    banded = {t.key for t in TARGETS if t.band is not None and t.applies_to("default")}
    assert banded == MET_TODAY | set(MISSED_TODAY)
    assert not MET_TODAY & set(MISSED_TODAY)


def test_the_targets_the_default_meets_still_hold(default_calibration: Calibration) -> None:
    checked = {c.target.key: c for c in default_calibration.checks}
    assert set(checked) >= MET_TODAY
    failed = {}
    for key in sorted(MET_TODAY):
        band, mean = checked[key].target.band, checked[key].estimate.mean
        if band is None or not band.contains(mean):
            failed[key] = f"{mean:.6g} outside {band}"
    assert not failed, failed
    # the documented misses are still checked (and shown) on every run
    assert set(MISSED_TODAY) <= set(checked)
