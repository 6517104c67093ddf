"""People named in forms must be real, in the department, and (officers) certified (APL 42)."""
from datetime import timedelta

import pytest

from tests.helpers import TO_DECISION
from workflow_app.extensions import db
from workflow_app.wall_clock import local_today

pytestmark = pytest.mark.dates


def at_investigation(api):
    return api.run(api.open_case(), *TO_DECISION[:2])


def test_unknown_wrong_role_and_foreign_officers_are_named(api):
    case = at_investigation(api)
    r = api.complete(case, "investigation", officers=["officer1", "ghost", "head1", "environment_officer1"],
                     expect=422)
    messages = " ".join(r.json["errors"]["officers"])
    assert "ghost" in messages and "head1" in messages and "environment_officer1" in messages


def test_fewer_than_two_officers_is_refused(api):
    r = api.complete(at_investigation(api), "investigation", officers=["officer1"], expect=422)
    assert "officers" in r.json["errors"]


def test_an_officer_with_an_expired_certificate_cannot_act_and_the_attempt_is_traced(api, ctx):
    from workflow_app.models import Certificate, User

    officer2 = db.session.execute(db.select(User).where(User.username == "officer2")).scalar_one()
    for cert in db.session.execute(db.select(Certificate).where(Certificate.user_id == officer2.id)).scalars():
        cert.expires_on = local_today() - timedelta(days=2)  # expired, whatever the day
    db.session.commit()
    case = at_investigation(api)
    r = api.complete(case, "investigation", expect=422)
    assert r.json["error"] == "UNCERTIFIED_OFFICER" and "officer2" in r.json["message"]
    trace = api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]
    assert trace[-1]["action"] == "step.refused" and trace[-1]["data"]["code"] == "UNCERTIFIED_OFFICER"
    assert api.ready(api.get(f"/api/v1/cases/{case['id']}").json) == ["investigation"]
