"""The registers' vocabularies are one: the forms' penalty kinds are APL Art. 9's, with Chinese
labels; the BPMN routes to review on the step rules' severe kinds; identity numbers are checked."""
import re
from pathlib import Path

import pytest

from workflow_app.config import Config
from workflow_app.demo.org import REGISTERS
from workflow_app.oversight.identity import (
    party_id_valid,
    personal_numbers,
    resident_id_valid,
    uscc_valid,
    with_resident_check,
)
from workflow_app.oversight.powers import (
    COERCIVE_MEASURES,
    ENFORCEMENT_DOMAINS,
    EXECUTION_METHODS,
    PENALTY_KINDS,
    POWERS,
)
from workflow_app.oversight.step_rules import HEARING_KINDS, SEVERE_KINDS
from workflow_app.services.procedures.forms import load_forms

FORMS = load_forms(Path(Config.FORMS_DIR) / "general_penalty")


@pytest.mark.parametrize("key,field", [("investigation_report", "proposed_penalty_kinds"),
                                       ("penalty_notice", "notified_penalty_kinds"),
                                       ("penalty_decision", "penalty_kinds")])
def test_every_penalty_kind_field_offers_the_kinds_of_apl_9(key, field):
    items = FORMS[key]["properties"][field]["items"]
    assert items["enum"] == list(PENALTY_KINDS) and items["x-enum-labels"] == list(PENALTY_KINDS.values())
    assert {"通报批评", "降低资质等级", "限制开展生产经营活动", "责令关闭", "限制从业"} <= set(items["x-enum-labels"])


def test_the_bpmn_routes_to_review_on_the_step_rules_severe_kinds():
    xml = (Path(Config.BPMN_DIR) / "general_penalty" / "general_penalty.bpmn").read_text(encoding="utf-8")
    listed = re.search(r"severe_kinds = \[([^\]]*)\]", xml).group(1)
    assert sorted(re.findall(r"'(\w+)'", listed)) == sorted(SEVERE_KINDS)
    assert set(HEARING_KINDS) <= set(SEVERE_KINDS) <= set(PENALTY_KINDS)


def test_the_demo_registers_use_the_vocabularies_and_only_police_detains():
    for code, (domains, powers) in REGISTERS.items():
        assert domains and set(domains) <= set(ENFORCEMENT_DOMAINS), code
        assert set(powers) <= set(POWERS), code
        assert ("detention" in powers) == (code == "police"), code
    # 行政强制法 Art. 9: the measures on property, beside the penalty kinds; the two demo departments
    # of the seizure cases may seal up and seize (食品安全法 Art. 110, 环境保护法 Art. 25)
    assert set(POWERS) == set(PENALTY_KINDS) | set(COERCIVE_MEASURES) | set(EXECUTION_METHODS)
    assert len(POWERS) == len(PENALTY_KINDS) + len(COERCIVE_MEASURES) + len(EXECUTION_METHODS)  # no code twice
    assert {"seal", "seize"} <= set(REGISTERS["market"][1]) & set(REGISTERS["environment"][1])
    assert not {"seal", "seize"} & set(REGISTERS["finance"][1])
    # 行政强制法 Art. 13: executing itself only where a law gives a means; the market bureau applies to the
    # court (Art. 53), the environment bureau has substitutes act for the party (水污染防治法 Art. 85)
    assert not set(EXECUTION_METHODS) & set(REGISTERS["market"][1])  # it auctions what it seized (AC 46(3))
    assert "substitute_performance" in REGISTERS["environment"][1]


def test_identity_numbers_are_checked_by_their_check_character():
    assert resident_id_valid("11010519491231002X") and not resident_id_valid("110105194912310021")
    assert not resident_id_valid(with_resident_check("11010519491331002"))  # month 13
    assert uscc_valid("91350100M000100Y43") and not uscc_valid("91350100M000100Y44")
    assert party_id_valid("91350100M000100Y43") and not party_id_valid("12345")


def test_personal_numbers_are_found_and_masked_and_credit_codes_are_not():
    text = "王某，身份证11010519491231002X，手机+86 139 1234 5678；公司代码91350100M000100Y43，罚款20000元"
    assert personal_numbers(text) == [("id_number", "110***********002X"), ("mobile", "139****5678")]
    assert personal_numbers("罚款20000元，案号2026000123") == []
