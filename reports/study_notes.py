"""The optimiser's constraint checks and notes in words, in the report's language.

optimize.json keeps them as data (optimizers/selection.py `ConstraintCheck`,
optimizers/notes.py `Note`); they are worded here when shown, so a Chinese report says them
in Chinese. An optimize.json written before they were data holds English sentences instead:
those are shown as they are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .wording import Wording

__all__ = ["check_words", "note_words", "params_text"]


def params_text(params: Mapping[str, Any], words: Wording) -> str:
    """A candidate's decision variables: ``terms.B.net_days = 60, ...``; the incumbent
    (whose parameters are its policy's name) as such."""
    if set(params) == {"policy"}:
        return words.word("incumbent_params", name=params["policy"])
    return ", ".join(f"{k} = {v}" for k, v in params.items())


def _constraint(check: Mapping[str, Any], words: Wording) -> str:
    kpi = str(check["kpi"])
    op = "≤" if check["sense"] == "max" else "≥"
    bound = words.value(kpi, check["bound"])
    probability = check.get("probability")
    if probability is None:
        return words.word("constraint_mean", kpi=words.metric(kpi), op=op, bound=bound)
    return words.word("constraint_chance", kpi=words.metric(kpi), op=op, bound=bound,
                      probability=f"{float(probability):.0%}")


def _measured(check: Mapping[str, Any], words: Wording) -> str:
    kpi = str(check["kpi"])
    value = check.get("value")
    if value is None:
        return words.word("measured_none", kpi=words.metric(kpi))
    confidence = check.get("confidence")
    level = "" if confidence is None else f"{float(confidence):.0%}"
    if check.get("probability") is None:
        shown = words.value(kpi, float(value))
        if confidence is None:
            return words.word("measured_mean", value=shown)
        return words.word("measured_mean_bound", value=shown, confidence=level)
    share = f"{100 * float(value):.1f}%"
    key = "measured_share" if confidence is None else "measured_share_bound"
    return words.word(key, inside=check.get("inside"), runs=check.get("runs"), share=share,
                      confidence=level)


def check_words(check: Mapping[str, Any], words: Wording) -> tuple[str, str]:
    """A constraint check as (the constraint, what was measured), in ``words``' language;
    an old optimize.json's English texts as they are."""
    if "kpi" not in check:
        return str(check.get("constraint", "")), str(check.get("measured", ""))
    return _constraint(check, words), _measured(check, words)


def _why(reason: Mapping[str, Any], words: Wording) -> str:
    """Why a stage stopped: the replication budget or the time limit."""
    limit = str(reason.get("limit"))
    key = f"why_{limit}"
    if key not in words.words:
        return json.dumps(dict(reason), ensure_ascii=False)
    return words.word(key, **{k: v for k, v in reason.items() if k != "limit"})


def note_words(note: str | Mapping[str, Any], words: Wording) -> str:
    """A note of the optimiser in ``words``' language (an old optimize.json's English note
    as it is)."""
    if isinstance(note, str):
        return note
    code = str(note.get("code"))
    key = f"note_{code}"
    if key not in words.words:  # a note this arsim does not word (a later one's, or one it
        # no longer makes): its code and values
        return json.dumps(dict(note), ensure_ascii=False)
    values: dict[str, Any] = {}
    if "why" in note:
        values["why"] = _why(note["why"], words)
    if "params" in note:
        values["params"] = params_text(note["params"], words)
    if "error" in note:
        values["error"] = str(note["error"])
    values.update({k: note[k] for k in ("count", "total") if k in note})
    if "broken" in note:
        values["broken"] = words.word("list_separator").join(
            check_words(b, words)[0] for b in note["broken"])
    return words.word(key, **values)
