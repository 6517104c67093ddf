"""The pages through the Flask test client, on SQLite and PostgreSQL: login and its limits, each
role's start page, the inbox and the case search with their filters and keyset pages, the case
page, the language. The same journeys in a real browser: tests/browser."""
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from flask import url_for

from tests.conftest import BASE_CONFIG, PASSWORD
from tests.helpers import STEPS, TO_DECISION, days_ago
from tests.web_session import csrf_of, html, page_login
from workflow_app import create_app
from workflow_app.extensions import db
from workflow_app.i18n import LANGUAGE_COOKIE
from workflow_app.models import Task
from workflow_app.wall_clock import local_today

pytestmark = pytest.mark.dates


def fresh(client):
    return client.application.test_client()


# -- the root and logging in ----------------------------------------------------------------------
def test_a_browser_at_the_root_is_sent_to_log_in_and_an_api_client_still_gets_the_json_index(client):
    r = client.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    assert client.get("/").json["api"] == "/api/v1/openapi.json"
    assert client.get("/", headers={"Accept": "application/json"}).json["api"] == "/api/v1/openapi.json"


def test_the_login_page_has_the_stable_inputs_a_csrf_token_and_the_page_language(client):
    page = html(client.get("/login"))
    assert 'name="username"' in page and 'name="password"' in page and csrf_of(page)
    assert '<html lang="zh-CN">' in page and "登录" in page
    assert 'data-testid="lang-switch"' in page


def test_a_login_without_its_csrf_token_is_refused(client):
    r = client.post("/login", data={"username": "officer1", "password": PASSWORD})
    assert r.status_code == 400 and "表单已过期" in html(r)
    assert client.get("/inbox").status_code == 302  # not logged in


def test_a_wrong_password_says_so_in_chinese_and_the_right_one_opens_the_inbox(client):
    r = page_login(client, "officer1", "wrong-password")
    assert r.status_code == 200 and "用户名或密码错误。" in html(r)
    assert client.get("/inbox").status_code == 302
    r = page_login(client, "officer1")
    assert r.status_code == 302 and r.headers["Location"] == "/inbox"
    assert "我的待办" in html(client.get("/inbox"))


@pytest.mark.parametrize("username, start", [("officer1", "/inbox"), ("head1", "/inbox"),
                                             ("reviewer1", "/inbox?queue=reviews"), ("supervisor1", "/alerts"),
                                             ("author1", "/workbench"), ("approver1", "/workbench"),
                                             ("admin", "/cases")])
def test_each_role_lands_on_its_start_page(client, username, start):
    r = page_login(client, username)
    assert r.headers["Location"] == start
    assert client.get(start).status_code == 200
    root = client.get("/", headers={"Accept": "text/html"})
    assert root.headers["Location"] == start


def test_a_page_asked_for_before_login_is_shown_after_it_and_never_another_site(client):
    r = client.get("/cases?status=closed")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=")
    assert "请先登录。" in html(client.get(r.headers["Location"]))
    token = csrf_of(html(client.get("/login")))
    r = client.post("/login?next=/cases?status%3Dclosed", data={"username": "officer1", "password": PASSWORD,
                                                               "csrf_token": token})
    assert r.headers["Location"] == "/cases?status=closed"
    other = fresh(client)
    token = csrf_of(html(other.get("/login")))
    r = other.post("/login?next=//evil.example/x", data={"username": "officer1", "password": PASSWORD,
                                                         "csrf_token": token})
    assert r.headers["Location"] == "/inbox"


def test_logout_is_a_form_with_its_token_and_ends_the_session(client):
    page_login(client, "officer1")
    assert client.post("/logout").status_code == 400  # no token: another site cannot log you out
    token = csrf_of(html(client.get("/inbox")))
    r = client.post("/logout", data={"csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert client.get("/inbox").status_code == 302


def test_the_login_page_and_the_api_share_the_login_limits(database_url):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True,
                      "RATELIMIT_STORAGE_URI": "memory://", "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute",
                      "ZHIFAFLOW_ENV": "development"})  # memory limits: one process, as in make run
    client = app.test_client()
    for _ in range(2):
        assert page_login(client, "officer1", "wrong-password").status_code == 200
    assert client.post("/api/v1/auth/token", json={"username": "officer1", "password": "x"}).status_code == 401
    r = page_login(client, "officer1")  # the fourth attempt, the right password: still held back
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert re.search(r"该账号登录尝试次数过多，请 \d+ 秒后再试。", html(r))
    r = client.post("/api/v1/auth/token", json={"username": "officer1", "password": PASSWORD})
    assert r.status_code == 429 and re.fullmatch(r"该账号登录尝试次数过多；请 \d+ 秒后再试", r.json["message"])
    assert page_login(fresh(client), "officer2").status_code == 302  # another account is not held back
    with app.app_context():
        db.engine.dispose()


# -- language ---------------------------------------------------------------------------------------
def test_the_language_switch_turns_the_pages_english_and_is_remembered_across_a_logout(client):
    page_login(client, "officer1")
    token = csrf_of(html(client.get("/inbox")))
    r = client.post("/language", data={"lang": "en", "next": "/cases", "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/cases"
    assert f"{LANGUAGE_COOKIE}=en" in r.headers["Set-Cookie"]
    page = html(client.get("/cases"))
    assert '<html lang="en">' in page and "<h1>Cases" in page and "案件编号" not in page
    client.post("/logout", data={"csrf_token": csrf_of(page)})
    login = html(client.get("/login"))
    assert "Log in with your account." in login
    assert client.post("/language", data={"lang": "fr", "csrf_token": csrf_of(login)}).status_code == 422


def test_the_language_chosen_follows_the_user_to_another_browser(client):
    page_login(client, "officer1")
    client.post("/language", data={"lang": "en", "csrf_token": csrf_of(html(client.get("/inbox")))})
    elsewhere = fresh(client)  # another browser: no cookie, the user's own choice
    assert '<html lang="zh-CN">' in html(elsewhere.get("/login"))
    page_login(elsewhere, "officer1")
    assert '<html lang="en">' in html(elsewhere.get("/inbox"))
    assert '<html lang="zh-CN">' in html(fresh(client).get("/login"))  # nobody known: Chinese
    someone_else = fresh(client)
    page_login(someone_else, "officer2")
    assert '<html lang="zh-CN">' in html(someone_else.get("/inbox"))


def test_every_word_of_the_pages_has_its_chinese_translation():
    from babel.messages.pofile import read_po

    from tests.conftest import ROOT

    with open(ROOT / "workflow_app/translations/zh/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f)
    untranslated = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    assert untranslated == []
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert fuzzy == []


def test_the_catalogue_holds_every_word_the_pages_use():
    """A page string added without `make extract-messages` would stay English in Chinese pages."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    from tests.conftest import ROOT

    method_map = [("**.py", "python"), ("templates/web/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None, "tr": None}
    used = {m[2] if isinstance(m[2], str) else m[2][0]
            for m in extract_from_dir(str(ROOT / "workflow_app"), method_map, keywords=keywords)}
    with open(ROOT / "workflow_app/translations/zh/LC_MESSAGES/messages.po", "rb") as f:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    assert used - known == set()


# -- the inbox --------------------------------------------------------------------------------------
def rows(page: str) -> list[str]:
    return re.findall(r'<tr data-task-id="(\d+)"', page)


def test_the_inbox_lists_my_ready_tasks_with_case_party_step_due_date_and_the_count(client, api):
    case = api.open_case(party={"name": "清河某超市有限公司", "kind": "organization"})
    api.run(case, "clue_intake")
    page_login(client, "officer1")
    page = html(client.get("/inbox"))
    assert 'data-testid="inbox-count">共 0 项' in page  # the clue is done; filing approval is the head's
    head = fresh(client)
    page_login(head, "head1")
    page = html(head.get("/inbox"))
    assert 'data-testid="inbox-count">共 1 项' in page
    assert case["number"] in page and "清河某超市有限公司" in page and "立案审批" in page
    assert "剩余" in page and "个工作日" in page  # 15 working days from the clue's date


def test_an_overdue_task_is_marked_red_and_filtered_by_overdue_only(client, api, ctx):
    late = api.open_case(title="逾期案")
    api.complete(late, "clue_intake", received_on=days_ago(40), violation_date=days_ago(45))
    on_time = api.open_case(title="按期案")
    api.complete(on_time, "clue_intake", received_on=days_ago(1), violation_date=days_ago(5))
    page_login(client, "head1")
    page = html(client.get("/inbox?overdue=1"))
    assert 'data-testid="inbox-count">共 1 项' in page
    assert late["number"] in page and on_time["number"] not in page
    assert 'class="is-overdue"' in page and 'data-overdue="1"' in page and "已逾期" in page


def test_the_inbox_filters_by_step_department_and_due_date(client, api):
    first = api.open_case()
    api.run(first, "clue_intake", "filing_approval")  # now investigation (officers)
    second = api.open_case()  # clue intake (officers)
    page_login(client, "officer1")
    page = html(client.get("/inbox?step=investigation"))
    assert first["number"] in page and second["number"] not in page
    page = html(client.get("/inbox?department=market"))
    assert first["number"] in page and second["number"] in page
    page = html(client.get("/inbox?department=tax"))
    assert 'data-testid="inbox-count">共 0 项' in page
    page = html(client.get("/inbox?due_by=2000-01-01"))
    assert 'data-testid="inbox-count">共 0 项' in page
    r = client.get("/inbox?due_by=yesterday")
    assert r.status_code == 422 and "due_by" in html(r)


def test_the_department_queue_is_the_heads_and_holds_every_ready_task_of_the_department(client, api):
    investigating = api.open_case()
    api.run(investigating, "clue_intake", "filing_approval")
    awaiting_filing = api.open_case()
    api.run(awaiting_filing, "clue_intake")
    page_login(client, "head1")
    mine = html(client.get("/inbox"))
    assert awaiting_filing["number"] in mine and investigating["number"] not in mine
    queue = html(client.get("/inbox?queue=department"))
    assert awaiting_filing["number"] in queue and investigating["number"] in queue
    officer = fresh(client)
    page_login(officer, "officer1")
    r = officer.get("/inbox?queue=department")
    assert r.status_code == 403 and "您无权进行此操作" in html(r)


def test_inbox_pages_follow_each_other_without_gaps_or_repeats_in_every_order(app, api, user):
    from workflow_app.services.cases import worklists

    for _ in range(5):
        api.run(api.open_case(), "clue_intake")
    for _ in range(2):
        api.open_case()
    head = user("head1")
    for sort in worklists.INBOX_SORTS:
        seen, after = [], None
        while True:
            page = worklists.inbox(head, queue="department", sort=sort, after=after, limit=2)
            seen += [row.task.id for row in page.items]
            assert page.total == 7
            after = page.next_cursor
            if after is None:
                break
        assert len(seen) == len(set(seen)) == 7, sort
        tasks = {t.id: t for t in db.session.execute(db.select(Task).where(Task.id.in_(seen))).scalars()}
        key = (lambda t: (t.due_at is None, t.due_at, t.id)) if sort.lstrip("-") == "due" else (lambda t: (t.ready_at, t.id))
        if sort == "-due":
            expected = sorted([i for i in seen if tasks[i].due_at], key=lambda i: (tasks[i].due_at, i), reverse=True) + \
                sorted([i for i in seen if not tasks[i].due_at], reverse=True)
        else:
            expected = sorted(seen, key=lambda i: key(tasks[i]), reverse=sort.startswith("-"))
        assert seen == expected, sort


def test_a_page_position_that_was_not_given_out_is_a_clear_400_page(client):
    page_login(client, "officer1")
    r = client.get("/inbox?after=nonsense")
    assert r.status_code == 422 and "after" in html(r)


# -- the cases --------------------------------------------------------------------------------------
def test_cases_are_found_by_number_party_status_step_and_date_range(client, api):
    grocer = api.open_case(party={"name": "清河某超市有限公司", "kind": "organization"})
    api.run(grocer, "clue_intake", "filing_approval")
    person = api.open_case(party={"name": "王某某", "kind": "person"})
    page_login(client, "supervisor1")

    def found(query: str) -> set[str]:
        page = html(client.get(f"/cases?{query}"))
        return set(re.findall(r"清市监立〔\d{4}〕\d+号", page))  # the market department's 立 pattern

    assert found("") == {grocer["number"], person["number"]}
    assert found(f"number={quote(grocer['number'][-3:])}") == {grocer["number"]}  # 〕1号
    assert found("party=王某") == {person["number"]}
    assert found("status=investigating") == {grocer["number"]}
    assert found("step=clue_intake") == {person["number"]}
    today = local_today()
    assert found(f"opened_from={today}&opened_to={today}") == {grocer["number"], person["number"]}
    assert found(f"opened_to={today - timedelta(days=1)}") == set()
    assert found("number=%25") == set()  # a LIKE wildcard is searched for, not expanded
    r = client.get(f"/cases?opened_from={today}&opened_to={today - timedelta(days=1)}")
    assert r.status_code == 422


def test_case_pages_follow_each_other_newest_first(app, api, user):
    from workflow_app.services.cases import worklists

    opened = [api.open_case()["id"] for _ in range(5)]
    seen, after = [], None
    while True:
        page = worklists.search_cases(user("supervisor1"), after=after, limit=2)
        seen += [row.case.id for row in page.items]
        after = page.next_cursor
        if after is None:
            break
    assert seen == sorted(opened, reverse=True)


# -- the case page ----------------------------------------------------------------------------------
def test_the_case_page_shows_facts_the_labelled_case_file_the_verified_trace_documents_and_the_diagram(client, api):
    case = api.open_case()
    api.run(case, *TO_DECISION[:3])
    page_login(client, "officer1")
    page = html(client.get(f"/cases/{case['id']}"))
    assert case["number"] in page and "清河某超市有限公司" in page and STEPS["clue_intake"][1]["party_id_number"] in page
    assert STEPS["clue_intake"][1]["party_address"] in page
    # the milestones reached, by the status label the procedure's BPMN gives them
    assert re.search(r'<dt>已立案，调查中</dt><dd data-milestone="filed">', page)
    # the case file in the forms' Chinese labels, enumerations by their labels, people by name
    assert "证据清单" in page and "书证" in page and "documentary" not in page
    assert "执法人员（不少于两人" in page and "（officer1）" in page
    assert "审批意见" in page
    # the trace, its chain verified
    assert 'data-testid="chain-status" data-ok="1"' in page and "哈希链校验通过" in page
    assert "案件登记" in page and "环节办结" in page
    # the documents, downloadable from the page with the session
    assert f"/cases/{case['id']}/documents/filing_approval.docx" in page
    r = client.get(f"/cases/{case['id']}/documents/filing_approval.html")
    assert r.status_code == 200 and "立案审批表" in html(r)
    # the diagram: its element, the BPMN's address and the steps' states for the script
    assert 'data-testid="diagram"' in page and 'data-testid="step-list"' in page
    steps = re.search(r"data-steps='([^']*)'", page).group(1)
    assert '"clue_intake": {"state": "done"' in steps and '"investigation_report": {"state": "ready"' in steps


def test_the_case_page_shows_a_chain_that_no_longer_verifies(client, api, ctx):
    from sqlalchemy import update

    from tests.tampering import tamper
    from workflow_app.models import TraceEvent

    case = api.open_case()
    tamper(update(TraceEvent).where(TraceEvent.chain == f"case:{case['id']}", TraceEvent.seq == 1)
           .values(data_json='{"edited": true}'))
    page_login(client, "officer1")
    page = html(client.get(f"/cases/{case['id']}"))
    assert 'data-testid="chain-status" data-ok="0"' in page and "哈希链校验失败" in page


def test_a_case_outside_the_users_scope_is_the_same_404_as_no_case(client, api):
    case = api.open_case()
    page_login(client, "transport_officer1")
    outside = client.get(f"/cases/{case['id']}")
    absent = client.get("/cases/999999")
    assert outside.status_code == absent.status_code == 404
    main = re.compile(r"<main.*</main>", re.S)
    assert main.search(html(outside)).group(0) == main.search(html(absent)).group(0)
    assert case["number"] not in html(outside)
    assert client.get(f"/cases/{case['id']}/documents/filing_approval.docx").status_code == 404


def test_unknown_pages_are_an_html_404_and_unknown_api_paths_stay_json(client):
    assert "页面不存在" in html(client.get("/nowhere"))
    assert client.get("/api/v1/nowhere").json["error"] == "not_found"


# the enterprise inspections' public pages: the published plans, a visit's check (docs/inspections.md)
PUBLIC_PAGES = {"web.index", "web.login", "web.set_language", "web.public_inspection_plans", "web.public_visit",
                "web.favicon"}  # the icon browsers ask for where a page names none


def test_every_page_but_login_language_and_the_root_asks_for_a_login_first(app, client):
    pages = [(rule, method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("web.")
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    assert {rule.endpoint for rule, _ in pages} >= {"web.inbox", "web.cases", "web.case_page", "web.logout"}
    for rule, method in pages:
        if rule.endpoint in PUBLIC_PAGES:
            continue
        values = {"case_id": 1, "task_id": 1, "kind": "filing_approval", "fmt": "html", "version_id": 1, "alert_id": 1,
                  "sha256": "0" * 64, "name": "party_reply", "evidence_id": 1, "party_id": 1, "plan_id": 1,
                  "draw_id": 1, "action": "submit", "code": "market", "draft_id": 1, "key": "penalty_decision"}
        with app.test_request_context():
            url = url_for(rule.endpoint, **{k: v for k, v in values.items() if k in rule.arguments})
        r = client.open(url, method=method)
        if method == "POST":
            assert r.status_code == 400, (url, r.status_code)  # no CSRF token: refused before anything
        else:
            assert r.status_code == 302 and r.headers["Location"].startswith("/login"), (url, r.status_code)


def test_the_legal_reviewers_queue_holds_the_reviews_and_is_theirs_only(client, api):
    review = api.run(api.open_case(), *TO_DECISION[:2], "investigation", ("investigation_report", {"major_case": True}),
                     *TO_DECISION[4:])
    assert api.ready(review) == ["legal_review"]
    other = api.open_case()
    page_login(client, "reviewer1")
    page = html(client.get("/inbox?queue=reviews"))
    assert "法制审核待办" in page and 'data-testid="inbox-count">共 1 项' in page
    assert review["number"] in page and other["number"] not in page and "法制审核" in page
    officer = fresh(client)
    page_login(officer, "officer1")
    assert officer.get("/inbox?queue=reviews").status_code == 403


def test_a_refused_page_is_the_sites_own_and_favicon_ico_is_the_sites_icon(client):
    """A page refused to its reader is drawn by the site (with its icon), and a browser's own ask for
    /favicon.ico finds the icon: neither leaves a 404 in the browser's console."""
    page_login(client, "officer1")
    r = client.get("/benchmarks/SCJG-SP-124-01/table")
    assert r.status_code == 403 and "favicon.svg" in r.get_data(as_text=True)
    r = client.get("/favicon.ico")
    assert r.status_code == 301 and r.headers["Location"].endswith("/static/favicon.svg")
