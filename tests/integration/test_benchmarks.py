"""The discretion benchmarks register (services/oversight/benchmarks.py, `flask benchmarks import|list`) and
FINE_OUTSIDE_BENCHMARK: a decided fine outside its tier's range raises the alert in the decision's
own transaction; within it, nothing. The CSV import is checked whole (a bad row names its line,
nothing is written) and traced. On SQLite and PostgreSQL."""
from tests.helpers import TO_DECISION
from workflow_app.extensions import db
from workflow_app.models import Alert, DiscretionBenchmark, TraceEvent
from workflow_app.services.audit import verify as audit_verify

ITEM = "SCJG-SP-126-03"  # the demo register's item (workflow_app/demo/benchmarks.csv): ordinary 18,500–36,500
HEADER = "code,title,violated_provision,penalty_provision,tier,min_fine,max_fine,circumstances\n"


def decided(api, fine: int, tier: str = "ordinary", item: str | None = ITEM) -> dict:
    report = {"benchmark_item": item} if item else {}
    steps = [s if s != "investigation_report" else ("investigation_report", {**report, "proposed_fine": fine})
             for s in TO_DECISION]
    notice = {"notified_fine": fine, "notified_penalty": f"罚款{fine}元"}
    steps = [s if s != "penalty_notice" else ("penalty_notice", notice) for s in steps]
    case = api.run(api.open_case(), *steps)
    return api.complete(case, "penalty_decision", fine_amount=fine, benchmark_tier=tier)


def fine_alerts(case_id: int) -> list[Alert]:
    return list(db.session.execute(db.select(Alert).where(Alert.case_id == case_id,
                                                          Alert.code == "FINE_OUTSIDE_BENCHMARK")).scalars())


def test_the_demo_register_is_seeded_and_listed(app, ctx):
    item = db.session.execute(db.select(DiscretionBenchmark).where(DiscretionBenchmark.code == ITEM)).scalar_one()
    assert item.tier("ordinary") == {"tier": "ordinary", "min_fine": 18500, "max_fine": 36500,
                                     "circumstances": "不具有从轻、从重情形"}
    out = app.test_cli_runner().invoke(args=["benchmarks", "list"])
    assert out.exit_code == 0 and f"{ITEM}\t" in out.output and "ordinary 18500-36500" in out.output


def test_a_fine_outside_its_tier_raises_the_alert_with_the_decision_and_one_within_does_not(api, ctx):
    within = decided(api, 20000)
    assert fine_alerts(within["id"]) == []
    outside = decided(api, 40000)  # "ordinary" allows 18,500–36,500
    [alert] = fine_alerts(outside["id"])
    assert (alert.severity, alert.status, alert.raised_by) == ("medium", "open", "rule:step")
    assert alert.details == {"item": ITEM, "tier": "ordinary", "fine": 40000, "min_fine": 18500, "max_fine": 36500}
    trail = list(db.session.execute(db.select(TraceEvent.action).where(TraceEvent.case_id == outside["id"])
                                    .order_by(TraceEvent.seq)).scalars())
    completed = max(i for i, a in enumerate(trail) if a == "task.completed")
    assert trail[completed + 1] == "alert.raised"  # in the decision's transaction, after it
    assert audit_verify.verify(outside["id"]).ok
    # no item in the report, or an item the register does not have: nothing to compare
    assert fine_alerts(decided(api, 40000, item=None)["id"]) == []
    assert fine_alerts(decided(api, 40000, item="NO-SUCH-ITEM")["id"]) == []


def test_an_import_is_checked_whole_names_each_bad_line_and_is_traced(app, api, ctx, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "X-1,某违法行为,某法第1条,某法第2条,ordinary,100,50,\n"
                   "X-1,某违法行为,某法第1条,某法第2条,bogus,0,10,\n"
                   ",某违法行为,某法第1条,某法第2条,lighter,0,ten,\n", encoding="utf-8")
    out = app.test_cli_runner().invoke(args=["benchmarks", "import", str(bad)])
    assert out.exit_code == 1 and "line 2" in out.output and "line 3" in out.output and "line 4" in out.output
    assert db.session.execute(db.select(DiscretionBenchmark).where(DiscretionBenchmark.code == "X-1")).first() is None
    good = tmp_path / "good.csv"
    good.write_text("\ufeff" + HEADER + "X-1,某违法行为,某法第1条,某法第2条,heavier,700,1000,再次违法\n"
                    "X-1,某违法行为,某法第1条,某法第2条,lighter,0,300,首次\n"
                    f"{ITEM},改名,某法第1条,某法第2条,ordinary,1,2,\n", encoding="utf-8")
    out = app.test_cli_runner().invoke(args=["benchmarks", "import", str(good)])
    assert out.exit_code == 0 and "1 item(s) added, 1 updated" in out.output, out.output
    db.session.expire_all()
    item = db.session.execute(db.select(DiscretionBenchmark).where(DiscretionBenchmark.code == "X-1")).scalar_one()
    assert [t["tier"] for t in item.tiers] == ["lighter", "heavier"]  # in the tiers' order
    replaced = db.session.execute(db.select(DiscretionBenchmark).where(DiscretionBenchmark.code == ITEM)).scalar_one()
    assert [(t["tier"], t["min_fine"], t["max_fine"]) for t in replaced.tiers] == [("ordinary", 1, 2)]
    event = db.session.execute(db.select(TraceEvent).where(TraceEvent.action == "benchmarks.imported")
                               .order_by(TraceEvent.id.desc()).limit(1)).scalar_one()
    assert event.actor.startswith("cli:")
    for junk in (b"\xff\xfe", b"code,title\nx,y\n", HEADER.encode()):
        (tmp_path / "junk.csv").write_bytes(junk)
        out = app.test_cli_runner().invoke(args=["benchmarks", "import", str(tmp_path / "junk.csv")])
        assert out.exit_code == 1 and out.output.startswith("Error: ") and "Traceback" not in out.output
    assert app.test_cli_runner().invoke(args=["benchmarks", "import", str(tmp_path / "missing.csv")]).exit_code == 1
