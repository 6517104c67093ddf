"""What a department's decisions name where its settings say nothing (services/registers/org_settings.py):
the people's government at its own level (行政复议法 Art. 24) and, for a district's department, the
district's people's court (行政诉讼法 Art. 18); a setting always wins."""
from workflow_app.models import OrgUnit
from workflow_app.services.registers.org_settings import normalised, payment_manner, settings_of


def tree():
    city = OrgUnit(code="city", name="清河市", kind="city")
    district = OrgUnit(code="qinghe", name="清河区", kind="district", parent=city)
    return city, district


def test_a_district_department_is_reconsidered_by_the_district_government_and_sued_at_its_court():
    _city, district = tree()
    unit = OrgUnit(code="market", name="市场监督管理局", kind="department", parent=district)
    s = settings_of(unit)
    assert (s["reconsideration_body"], s["court"]) == ("清河区人民政府", "清河区人民法院")
    assert s["payment_bank"] is None and payment_manner(unit) is None


def test_a_city_department_has_no_derived_court_and_an_explicit_setting_wins():
    city, _district = tree()
    unit = OrgUnit(code="tax", name="税务局", kind="department", parent=city,
                   settings={"reconsideration_body": "国家税务总局某省税务局", "payment_bank": "某银行"})
    s = settings_of(unit)
    assert (s["reconsideration_body"], s["court"]) == ("国家税务总局某省税务局", None)
    assert "某银行" in payment_manner(unit) and "百分之三" in payment_manner(unit)


def test_a_unit_outside_any_government_level_derives_nothing():
    assert settings_of(OrgUnit(code="x", name="某机构", kind="department"))["reconsideration_body"] is None


def test_names_compare_without_whitespace_and_width():
    assert normalised(" 清河区　人民法院\n") == normalised("清河区人民法院")
    assert normalised("Ａ１（二）") == "A1(二)"
    assert normalised(None) == ""
