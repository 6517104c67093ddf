"""The register of market entities (市场主体名录, services/registers/market_entities.py): imported from CSV
through `flask registers import-entities`, the register page and `POST /api/v1/market-entities/import`,
all or nothing with every wrong line named; searched by name, code, industry, risk grade and
region. On SQLite and PostgreSQL."""
import io
import json

from tests.integration.test_task_forms import page_of
from tests.web_session import csrf_of, html
from workflow_app.demo.market_entities import entities
from workflow_app.extensions import db
from workflow_app.models import MarketEntity, TraceEvent
from workflow_app.oversight.identity import with_uscc_check

HEADER = "credit_code,name,address,industry,risk_grade,region\n"
GOOD = with_uscc_check("91990105MA0TEQA1X")
OTHER = with_uscc_check("92990105MA0TEQB2Y")
BAD_CHECK = GOOD[:17] + ("0" if GOOD[17] != "0" else "1")


def csv_bytes(*lines: str, encoding: str = "utf-8", bom: bool = False) -> bytes:
    return (("\ufeff" if bom else "") + HEADER + "".join(line + "\n" for line in lines)).encode(encoding)


def count(ctx) -> int:
    with ctx.app_context():
        try:
            return db.session.execute(db.select(db.func.count()).select_from(MarketEntity)).scalar()
        finally:
            db.session.remove()


def test_the_demo_register_holds_a_few_hundred_entities_with_valid_codes_generated_the_same_each_time(ctx):
    assert count(ctx) == len(entities()) >= 300
    assert entities() == entities()  # deterministic
    first = db.session.execute(db.select(MarketEntity).where(MarketEntity.name == "清河区恒源化工有限公司")).scalar_one()
    assert first.credit_code == "91990105MA06HYH1XW" and first.region.code == "qinghe"


def test_the_cli_imports_a_file_with_a_bom_or_in_gbk_and_updates_a_code_registered_already(app, ctx, tmp_path):
    runner = app.test_cli_runner()
    before = count(ctx)
    path = tmp_path / "entities.csv"
    path.write_bytes(csv_bytes(f"{GOOD},清河区测试超市有限公司,清河区兴华路1号,F,B,qinghe", bom=True))
    out = runner.invoke(args=["registers", "import-entities", str(path)])
    assert out.exit_code == 0, out.output
    assert "1 added, 0 updated" in out.output
    path.write_bytes(csv_bytes(f"{GOOD},清河区测试超市有限公司,清河区兴华路2号,批发和零售业,d,qinghe",
                               f"{OTHER},清河区测试小吃店,清河区河西路3号,H,A,qinghe", encoding="gbk"))
    out = runner.invoke(args=["registers", "import-entities", str(path)])
    assert out.exit_code == 0, out.output
    assert "1 added, 1 updated" in out.output
    db.session.expire_all()
    assert count(ctx) == before + 2
    moved = db.session.execute(db.select(MarketEntity).where(MarketEntity.credit_code == GOOD)).scalar_one()
    assert (moved.address, moved.industry, moved.risk_grade) == ("清河区兴华路2号", "F", "D")
    events = db.session.execute(db.select(TraceEvent).where(TraceEvent.action == "market_entities.imported")
                                .order_by(TraceEvent.id)).scalars().all()
    last = json.loads(events[-1].data_json)
    assert (last["created"], last["updated"], events[-1].actor) == (1, 1, events[-1].actor)
    assert events[-1].actor.startswith("cli:") and len(last["sha256"]) == 64
    out = runner.invoke(args=["registers", "entities", "--q", "测试"])
    assert out.exit_code == 0 and GOOD in out.output and OTHER in out.output


def test_a_file_with_wrong_lines_is_refused_whole_naming_each_line_and_its_reason(app, ctx, tmp_path):
    before = count(ctx)
    path = tmp_path / "entities.csv"
    path.write_bytes(csv_bytes(
        f"{OTHER},清河区好的一家,清河区某路1号,H,A,qinghe",       # line 2: fine
        f"{BAD_CHECK},清河区错码公司,清河区某路2号,F,B,qinghe",     # line 3: check character
        f"{GOOD},清河区某公司,清河区某路3号,Z,E,nowhere",          # line 4: industry, grade, region
        f"{OTHER},清河区重复,清河区某路4号,H,A,qinghe",            # line 5: code of line 2 again
        ",,,,,"))                                               # line 6: all empty
    out = app.test_cli_runner().invoke(args=["registers", "import-entities", str(path)])
    assert out.exit_code == 1
    text = out.output
    assert "nothing was imported: 4 line(s) are wrong" in text
    assert f"line 3: credit_code {BAD_CHECK}: the check character does not match (GB 32100, MOD 31): it would be " \
           f"{GOOD[17]}" in text
    assert "line 4: " in text and "industry Z is not a section" in text and "risk_grade E" in text \
        and "region nowhere" in text
    assert "line 5: the credit code" in text and "on line 2 already" in text
    assert "line 6: credit_code is empty" in text
    assert "line 2" not in text.replace("on line 2 already", "")
    db.session.expire_all()
    assert count(ctx) == before  # nothing half-imported
    missing = app.test_cli_runner().invoke(args=["registers", "import-entities", str(tmp_path / "none.csv")])
    assert missing.exit_code == 1 and "Error:" in missing.output


def test_the_api_imports_for_an_administrator_only_and_names_the_wrong_lines(api):
    good = csv_bytes(f"{GOOD},清河区接口导入有限公司,清河区某路9号,C,C,qinghe")
    refused = api.post("/api/v1/market-entities/import", data={"file": (io.BytesIO(good), "e.csv")})
    assert refused.status_code == 403  # officer1
    ok = api.post("/api/v1/market-entities/import", as_="admin", data={"file": (io.BytesIO(good), "e.csv")})
    assert ok.status_code == 200 and ok.json == {"created": 1, "updated": 0}
    bad = api.post("/api/v1/market-entities/import", as_="admin",
                   data={"file": (io.BytesIO(csv_bytes(f"{BAD_CHECK},X,Y,C,C,qinghe")), "e.csv")},
                   headers={"Accept-Language": "en"})
    assert bad.status_code == 422 and list(bad.json["errors"]) == ["line 2"]
    assert "check character" in bad.json["errors"]["line 2"][0]
    none = api.post("/api/v1/market-entities/import", as_="admin", data={})
    assert none.status_code == 422 and list(none.json["errors"]) == ["file"]
    for junk in (b"\x00\x01\x02", b"\xff\xfe\xfa" * 10, HEADER.encode() + b"x" * 100_000, b"a,b\n1,2\n",
                 "\ud800".encode("utf-8", "surrogatepass")):
        r = api.post("/api/v1/market-entities/import", as_="admin", data={"file": (io.BytesIO(junk), "j.csv")})
        assert r.status_code == 422, (junk[:20], r.status_code, r.json)


def test_the_api_searches_by_name_code_industry_risk_and_region(api):
    found = api.get("/api/v1/market-entities?q=恒源化工").json
    assert [e["credit_code"] for e in found["items"]] == ["91990105MA06HYH1XW"]
    assert found["items"][0]["region"] == "qinghe" and found["items"][0]["industry_name"] == "制造业"
    assert api.get("/api/v1/market-entities?q=91990105MA06").json["total"] >= 1
    risky = api.get("/api/v1/market-entities?industry=H&risk_grade=D&region=qinghe&per_page=200").json
    assert risky["total"] > 0 and all(e["industry"] == "H" and e["risk_grade"] == "D" for e in risky["items"])
    assert api.get("/api/v1/market-entities?region=demo_city").json["total"] == \
        api.get("/api/v1/market-entities").json["total"]  # the city's entities are its districts'
    one = api.get(f"/api/v1/market-entities/{found['items'][0]['id']}")
    assert one.status_code == 200 and one.json["name"] == "清河区恒源化工有限公司"
    assert api.get("/api/v1/market-entities/999999").status_code == 404
    for bad in ("industry=Z", "risk_grade=E", "region=market", "region=%00", "q=%00", "q=" + "x" * 101,
                "q=%ED%A0%80", "per_page=0", "page=0"):
        assert api.get(f"/api/v1/market-entities?{bad}").status_code == 422, bad


def test_the_register_page_searches_and_shows_an_administrators_upload_errors_by_line(app):
    ctx = app
    officer = page_of(app.test_client(), "officer1")
    page = html(officer.get("/market-entities?q=恒源"))
    assert 'data-code="91990105MA06HYH1XW"' in page and 'data-testid="entity-import"' not in page
    admin = page_of(app.test_client(), "admin")
    page = html(admin.get("/market-entities"))
    token = csrf_of(page)
    before = count(ctx)
    r = admin.post("/market-entities/import", data={
        "csrf_token": token, "file": (io.BytesIO(csv_bytes(f"{GOOD},甲,乙,C,C,qinghe", f"{BAD_CHECK},丙,丁,C,C,qinghe")),
                                      "e.csv")}, content_type="multipart/form-data")
    assert r.status_code == 422
    body = html(r)
    assert 'data-where="line 3"' in body and "第3行" in body and 'data-where="line 2"' not in body
    assert count(ctx) == before
    r = admin.post("/market-entities/import", data={
        "csrf_token": token, "file": (io.BytesIO(csv_bytes(f"{GOOD},清河区页面导入有限公司,乙,C,C,qinghe")), "e.csv")},
        content_type="multipart/form-data", follow_redirects=True)
    assert r.status_code == 200 and 'data-code="' + GOOD + '"' in html(admin.get("/market-entities?q=页面导入"))
    forbidden = officer.post("/market-entities/import", data={
        "csrf_token": csrf_of(html(officer.get("/market-entities"))),
        "file": (io.BytesIO(csv_bytes(f"{OTHER},x,y,C,C,qinghe")), "e.csv")}, content_type="multipart/form-data")
    assert forbidden.status_code == 403
