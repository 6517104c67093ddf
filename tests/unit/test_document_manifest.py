"""A package's list of documents (services/procedures/document_manifest.py; docs/documents.md): its shape, and
the condition a document exists under, read from the latest completion of each form."""
import json

import pytest

from workflow_app.services.procedures.document_manifest import EQUALS, FILLED, When, parse


def manifest(**entry) -> bytes:
    return json.dumps({"documents": [{"kind": "cuigao", "title": "催告书", "template": "cuigao.docx",
                                      "step": "zhixing", **entry}]}).encode()


def test_a_when_is_a_choice_of_a_field_or_a_field_filled_or_not():
    specs, problems = parse(manifest(when={"field": "zhixing.qingkuang", "equals": "cuigao"}), "p")
    assert problems == [] and specs[0].when == When("zhixing.qingkuang", EQUALS, "cuigao")
    specs, problems = parse(manifest(when={"field": "zhixing.cuigao_ri", "filled": True}), "p")
    assert problems == [] and specs[0].when == When("zhixing.cuigao_ri", FILLED, True)
    assert parse(manifest(), "p")[0][0].when is None and parse(manifest(when=None), "p")[0][0].when is None


@pytest.mark.parametrize("when", [
    {"field": "zhixing.cuigao_ri", "filled": "yes"},  # true or false
    {"field": "zhixing.cuigao_ri", "filled": True, "equals": "x"},  # one test
    {"field": "zhixing.cuigao_ri"},
    {"field": "cuigao_ri", "filled": True},  # <form key>.<field>
    {"field": "zhixing.", "filled": True},
    {"field": "a.b.c", "equals": 1},
    ["zhixing.cuigao_ri"],
])
def test_a_when_of_another_shape_is_refused_saying_both_shapes(when):
    specs, problems = parse(manifest(when=when), "p")
    assert specs == [] and len(problems) == 1
    assert '"equals": <value>' in str(problems[0]) and '"filled": true or false' in str(problems[0])


def test_equals_holds_while_the_latest_completion_recorded_that_value():
    when = When("zhixing.qingkuang", EQUALS, "cuigao")
    assert when.holds({"zhixing": {"qingkuang": "cuigao"}})
    assert not when.holds({"zhixing": {"qingkuang": "fayuan"}})  # the outcome moved on
    assert not when.holds({})


def test_filled_holds_while_the_latest_completion_recorded_something_there():
    demanded = When("zhixing.cuigao_ri", FILLED, True)
    assert demanded.holds({"zhixing": {"qingkuang": "fayuan", "cuigao_ri": "2026-11-07"}})  # whatever the outcome
    for empty in ({}, {"zhixing": {}}, {"zhixing": {"cuigao_ri": None}}, {"zhixing": {"cuigao_ri": ""}},
                  {"zhixing": {"cuigao_ri": []}}):
        assert not demanded.holds(empty), empty
        assert When("zhixing.cuigao_ri", FILLED, False).holds(empty), empty
    assert When("zhixing.tongyi", FILLED, True).holds({"zhixing": {"tongyi": False}})  # a recorded 否 is filled
