"""Linked cases (services/cases/links.py) the law asks for: a coercive measure ended by confiscation
goes on in the penalty case that confiscates (行政强制法 AC 27: the items are confiscated by a
decision made in the penalty procedure), so the step recording that outcome is refused until that
penalty case is opened from this one (`confiscated_in_linked_case`)."""
from ...messages import Phrase
from ..bindings import TEXT, Param, RuleKind, register
from .record import Breach, CaseRecord, text_field

GROUP = Phrase("Linked cases", "关联案件")


def confiscated_in_linked_case(record: CaseRecord, params: dict) -> list[Breach]:
    if record.get(params["outcome"]) != params["confiscation"]:
        return []
    if any(link.get("outgoing") and link.get("kind") == params["link"] for link in record.links):
        return []
    zh, en = record.label(params["outcome"])
    return [Breach(
        (params["outcome"],),
        f"{zh}为没收：应当先从本案立案办理没收的行政处罚案件（本案页面“关联案件”→“从本案立新案”），"
        "由行政处罚决定没收（《中华人民共和国行政强制法》第27条）",
        f"{en} is confiscation: first open the penalty case that confiscates the items from this case (the case "
        "page's Linked cases, Open a new case from this one); the items are confiscated by its penalty decision "
        "(Administrative Coercion Law, Art. 27)",
        {"link": params["link"]})]


register(RuleKind(
    "confiscated_in_linked_case", "CONFISCATION_WITHOUT_PENALTY_CASE", "《中华人民共和国行政强制法》第27条",
    {"outcome": text_field("the field recording how the measure ends"),
     "confiscation": Param(TEXT, optional=True, default="confiscation", enum_of="outcome",
                           doc="the choice of `outcome` that ends the measure by confiscation (default: confiscation)"),
     "link": Param(TEXT, optional=True, default="confiscation",
                   doc="the kind of link (services/cases/links.py KINDS) the penalty case is opened with")},
    confiscated_in_linked_case,
    doc="A coercive measure ended by confiscation is refused until a penalty case is opened from the case with "
        "that kind of link: the items are confiscated by that case's penalty decision.",
    title=Phrase("Confiscation through a penalty case", "没收须另立行政处罚案件")))
