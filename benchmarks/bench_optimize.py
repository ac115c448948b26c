"""How long `arsim optimize` takes end to end, and how often repeated studies agree.

    python benchmarks/bench_optimize.py [SCENARIO] [--space FILE] [--repeats N] [--jobs N]
                                        [--seed S] [-- EXTRA ARSIM OPTIONS]

Runs `arsim optimize SCENARIO --out DIR --seed S` (default: the default scenario with the
search space it ships) once per seed, S, S+1, ... (`--repeats`, default 3), each in a fresh
process, as a user would: the wall time includes Python's start-up, loading the compiled
engines, the search, the final selection and the fresh-seed re-check on the exact engine.
For each study it prints the wall time and the CPU time of the study's processes (the pool's
workers included: on an idle machine with C cores the wall time is at least CPU / C), the
load average around it (other work on a shared machine only ever slows a study down), the
candidates the search evaluated (distinct policies, and those that failed), the replications
each stage ran and on which engine, the wall time each stage spent simulating, the winner and
its saving; then how often the studies agree on the winner: the share of studies whose
winner is the most frequent one, and for each decision variable the share that chose its
most frequent value. Each study reports its saving on its own fresh seeds, so savings of
different studies cannot be set side by side; last (unless `--compare 0`), the winners and
the incumbent run together on common seeds that no study used (`arsim compare`, `--compare`
replications, root seed 10**6 + the first study's seed): each winner's saving against the
incumbent, and against the winner that saves most, as paired differences with their 95%
intervals. Speed is measured here, never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from arsim.sim.loader import load_optimize, load_space

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "scenarios" / "default.yaml"
#: The issue's target for the default scenario: at least this many candidate policies, end
#: to end in under this many seconds on the 2-core development machine.
TARGET_CANDIDATES, TARGET_SECONDS = 200, 180.0
#: The common seeds comparing the winners start here (+ the first study's seed): far from the
#: seeds any study searches or re-checks on.
COMPARE_SEED = 10**6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(DEFAULT))
    parser.add_argument("--space", default=None, help="a space file (default: the block)")
    parser.add_argument("--repeats", type=int, default=3, help="studies, one seed each")
    parser.add_argument("--seed", type=int, default=1, help="the first study's seed")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (0: per core)")
    parser.add_argument("--compare", type=int, default=8, metavar="N",
                        help="replications comparing the winners on common seeds (0: skip)")
    parser.add_argument("extra", nargs="*", help="more options for arsim optimize, after --")
    args = parser.parse_args()
    print(f"arsim optimize {Path(args.scenario).name}"
          + (f" --space {Path(args.space).name}" if args.space else "")
          + f", {args.repeats} studies (seeds {args.seed}..{args.seed + args.repeats - 1}), "
          f"--jobs {args.jobs}; Python {platform.python_version()} on {platform.machine()}")
    studies: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench_optimize_winners_") as kept:
        winners: list[Path] = []
        for seed in range(args.seed, args.seed + args.repeats):
            with tempfile.TemporaryDirectory(prefix="bench_optimize_") as folder:
                study = _study(args, seed, Path(folder) / "opt")
                winner = _keep_winner(Path(folder) / "opt" / "best.yaml", seed, Path(kept))
            if winner is not None:
                winners.append(winner)
            print(_describe(seed, study), flush=True)
            studies.append(study)
        print(_agreement(studies))
        if args.compare > 0 and winners:
            print(_common_seeds(args, winners, Path(kept)))
    sys.stdout.flush()


def _study(args: argparse.Namespace, seed: int, out: Path) -> dict[str, Any]:
    """Run one study in a fresh process and read what it wrote."""
    command = [sys.executable, "-m", "arsim", "optimize", args.scenario, "--out", str(out),
               "--seed", str(seed), "--jobs", str(args.jobs), *args.extra]
    if args.space:
        command += ["--space", args.space]
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    subprocess.run(command, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    document = json.loads((out / "optimize.json").read_text(encoding="utf-8"))
    table = pd.read_csv(out / "candidates.csv")
    journal = [json.loads(line) for line in
               (out / "journal.jsonl").read_text(encoding="utf-8").splitlines()[1:]]
    return {"seconds": seconds, "cpu": cpu, "load": (load, os.getloadavg()[0]),
            "document": document, "table": table, "stages": _stages(journal),
            "winner": _winner(document)}


def _keep_winner(best: Path, seed: int, folder: Path) -> Path | None:
    """The study's winner as a policy file named after its study (`arsim compare` labels a
    policy by its file's name); None where the study found none."""
    if not best.exists():
        return None
    policy = yaml.safe_load(best.read_text(encoding="utf-8"))["policy"]
    path = folder / f"winner_seed{seed}.yaml"
    path.write_text(yaml.safe_dump({"policy": policy}, allow_unicode=True), encoding="utf-8")
    return path


def _compare(args: argparse.Namespace, policies: list[Path], out: Path) -> pd.DataFrame:
    """`arsim compare` of the policy files on common seeds, each against the first: the
    rows of comparison.csv (every metric)."""
    command = [sys.executable, "-m", "arsim", "compare", args.scenario, "--out", str(out),
               "-n", str(args.compare), "--seed", str(COMPARE_SEED + args.seed),
               "--jobs", str(args.jobs)]
    for path in policies:
        command += ["--policy", str(path)]
    subprocess.run(command, capture_output=True, text=True, check=True)
    return pd.read_csv(out / "comparison.csv")


def _metric(table: pd.DataFrame, name: str) -> pd.DataFrame:
    return table[table["metric"] == name].reset_index(drop=True)


def _constrained(args: argparse.Namespace) -> list[str]:
    """The KPIs the study's constraints bound: the winners' levels of them are printed too."""
    spec = load_space(args.space) if args.space else load_optimize(args.scenario)[2]
    return [] if spec is None else list(dict.fromkeys(c.kpi for c in spec.constraints))


def _common_seeds(args: argparse.Namespace, winners: list[Path], folder: Path) -> str:
    """The winners against the incumbent, then against the one that saves most, all on the
    same fresh seeds: paired differences of the total cost a year, with 95% intervals."""
    incumbent = folder / "incumbent.yaml"
    incumbent.write_text("{}\n", encoding="utf-8")  # the scenario's own policy
    table = _compare(args, [incumbent, *winners], folder / "vs_incumbent")
    against = _metric(table, "total_cost")
    kpis = {name: _metric(table, name) for name in _constrained(args)}

    def levels(i: int) -> str:  # the constrained KPIs' means on these seeds
        return "".join(f"; {name} {frame['mean'][i]:.4g}" for name, frame in kpis.items()
                       if len(frame) > i)

    lines = [f"winners on common seeds ({args.compare} replications, root seed "
             f"{COMPARE_SEED + args.seed}), total cost a year:",
             f"  incumbent {against['mean'][0]:,.0f}{levels(0)}"]
    savings = []
    for i in range(1, len(against)):
        row = against.iloc[i]
        savings.append(-float(row["difference"]))
        lines.append(f"  {row['policy']}: {row['mean']:,.0f}, saves "
                     f"{-row['difference']:,.0f} ({-row['difference_high']:,.0f} to "
                     f"{-row['difference_low']:,.0f}){_mark(row)} against the incumbent"
                     f"{levels(i)}")
    if len(winners) > 1:
        best = max(range(len(winners)), key=savings.__getitem__)
        others = [w for i, w in enumerate(winners) if i != best]
        rivals = _metric(_compare(args, [winners[best], *others], folder / "vs_best"),
                         "total_cost")
        lines.append(f"  against {rivals['policy'][0]}, the one that saves most:")
        for i in range(1, len(rivals)):
            row = rivals.iloc[i]
            lines.append(f"    {row['policy']} costs {row['difference']:,.0f} more "
                         f"({row['difference_low']:,.0f} to {row['difference_high']:,.0f})"
                         f"{_mark(row)}")
    return "\n".join(lines)


def _mark(row: pd.Series) -> str:
    return ", significant" if bool(row["significant"]) else ", not significant"


def _stages(journal: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per stage: replications, simulation seconds and engines, from the journal."""
    stages: dict[str, dict[str, Any]] = {}
    for record in journal:
        if record.get("kind") != "evaluation":
            continue
        stage = stages.setdefault(record["stage"], {"replications": 0, "seconds": 0.0,
                                                     "engines": set()})
        stage["replications"] += len(record["metrics"])
        stage["seconds"] += float(record["seconds"])
        stage["engines"].add(record["engine"])
    return stages


def _winner(document: dict[str, Any]) -> str:
    winner = document.get("winner")
    if winner is None:
        return "(none)"
    return ", ".join(f"{k}={v}" for k, v in winner["params"].items())


def _describe(seed: int, study: dict[str, Any]) -> str:
    document, table = study["document"], study["table"]
    failed = int(table["error"].notna().sum())  # an empty reason reads as NaN
    lines = [f"seed {seed}: {study['seconds']:.1f} s end to end, {study['cpu']:.1f} s of CPU "
             f"(load average {study['load'][0]:.1f} before, {study['load'][1]:.1f} after); "
             f"{len(table)} candidates evaluated ({failed} failed), search by "
             f"{document['method']}"]
    for name, stage in study["stages"].items():
        lines.append(f"  {name:<9} {stage['replications']:>5} replications on "
                     f"{'+'.join(sorted(stage['engines']))}, {stage['seconds']:.1f} s of "
                     f"simulation")
    selection = document.get("selection")
    if selection is not None:
        counts = ", ".join(str(n) for n in selection["replications"].values())
        lines.append(f"  KN: {len(selection['order'])} finalists, replications {counts}, "
                     f"{'complete' if selection['complete'] else 'stopped early'}")
    saving = document.get("saving")
    if saving is not None:
        lines.append(f"  saving {saving['mean']:,.0f} ± {saving['half_width'] or 0:,.0f} a "
                     f"year ({'significant' if saving['significant'] else 'not significant'})")
    lines.append(f"  winner: {study['winner']}")
    hit = len(table) >= TARGET_CANDIDATES and study["seconds"] < TARGET_SECONDS
    lines.append(f"  target ({TARGET_CANDIDATES}+ candidates in under {TARGET_SECONDS:.0f} s): "
                 f"{'met' if hit else 'not met'}")
    return "\n".join(lines)


def _agreement(studies: list[dict[str, Any]]) -> str:
    """How often the studies agree: on the whole winner, and variable by variable."""
    counts = Counter(study["winner"] for study in studies)
    times = counts.most_common(1)[0][1]
    lines = [f"agreement: {times} of {len(studies)} studies picked the most frequent winner "
             f"({times / len(studies):.0%}); winners:"]
    lines += [f"  {n}x {w}" for w, n in counts.most_common()]
    params = [s["document"]["winner"]["params"] for s in studies if s["document"]["winner"]]
    for name in params[0] if params else ():
        values = Counter(json.dumps(p.get(name)) for p in params)
        value, same = values.most_common(1)[0]
        lines.append(f"  {name}: {same} of {len(studies)} chose {value}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
