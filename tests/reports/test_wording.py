"""The report's words: both languages complete and alike, units read from metric names."""

from __future__ import annotations

import re
import string
from importlib import resources

import pytest
import yaml

from arsim.reports.plain import policy_sentences
from arsim.reports.wording import (
    LANGUAGES,
    cost_components,
    format_value,
    unit_of,
    wording,
)
from arsim.sim.errors import ArsimError
from arsim.sim.policy import Policy


def _raw(language: str) -> dict[str, dict[str, str]]:
    text = resources.files("arsim.reports").joinpath(f"terms_{language}.yaml").read_text(
        encoding="utf-8")
    data: dict[str, dict[str, str]] = yaml.safe_load(text)
    return data


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("section", ["metrics", "units", "words", "figures"])
def test_both_languages_have_the_same_keys_and_placeholders(section: str) -> None:
    en, zh = _raw("en")[section], _raw("zh")[section]
    assert set(en) == set(zh)
    for key in en:
        assert _fields(en[key]) == _fields(zh[key]), key


def test_chinese_uses_the_training_material_terms() -> None:
    zh = wording("zh")
    assert zh.metric("opportunity_cost") == "机会成本"
    assert zh.metric("management_cost") == "管理成本"
    assert zh.metric("bad_debt_cost") == "坏账成本"
    assert zh.metric("shortage_cost") == "短缺成本"
    assert zh.metric("discount_cost").startswith("现金折扣成本")
    assert "应收账款周转天数" in zh.metric("dso") and "DSO" in zh.metric("dso")
    assert "账龄分析" in zh.word("aging_heading")
    # no phrase was left in English
    for text in (*zh.words.values(), *zh.figures.values(), *zh.metrics.values()):
        words = re.sub(r"\{[^}]*\}", "", text)
        if re.search(r"[a-zA-Z]{3,}", words):
            assert re.search(r"[\u4e00-\u9fff]", words), text


def test_a_metric_without_a_label_shows_its_name() -> None:
    assert wording("en").metric("new_fee_cost") == "new fee cost"


def test_units_are_read_from_metric_names() -> None:
    assert unit_of("total_cost") == unit_of("aging_1_30") == unit_of("lost_sales_terms") == "money"
    assert unit_of("dso") == unit_of("collector_wait_days") == "days"
    assert unit_of("bad_debt_ratio") == unit_of("share_paid_late") == "share"
    assert unit_of("cei") == "percent" and unit_of("bankruptcies") == "count"
    assert format_value(0.1234, "share") == "12.34%" and format_value(None, "money") == "n/a"
    assert format_value(1234567.4, "money") == "1,234,567"
    assert wording("en").value("dso", 21.04) == "21.0 d"


def test_cost_components_come_in_the_curve_order_with_new_ones_last() -> None:
    names = ["total_cost", "new_fee_cost", "shortage_cost", "opportunity_cost",
             "inventory_carrying_cost", "dso"]
    assert cost_components(names) == ["opportunity_cost", "shortage_cost",
                                      "inventory_carrying_cost", "new_fee_cost"]
    assert "inventory_carrying_cost" not in cost_components(names, inventory=False)


def test_an_unknown_language_is_one_clear_error() -> None:
    assert LANGUAGES == ("en", "zh")
    with pytest.raises(ArsimError, match="no report language 'fr'"):
        wording("fr")


@pytest.mark.parametrize(("language", "said"), [("en", "end of the invoice's month"),
                                                ("zh", "月末")])
def test_end_of_month_terms_say_where_their_days_count_from(language: str, said: str) -> None:
    def first_line(terms: str) -> str:
        policy = Policy.model_validate({"accepted_grades": ["B"], "terms": {"B": terms}})
        document = {"policy": policy.model_dump(mode="json"),
                    "scenario": {"conventions": {"days_in_year": 360},
                                 "segments": [{"grade": "B"}]}}
        return policy_sentences(document, wording(language))[0]

    assert said in first_line("N/30 EOM") and said in first_line("2/10 EOM, N/30 EOM")
    assert said not in first_line("N/30")
