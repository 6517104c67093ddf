"""The legal reviewer's journeys and the procedures page in a real browser, on the demo data: a
review returned with a failed finding and opinions, the officer's re-investigation (through the
API, as the officer would through the task pages), then approved; a reviewer who handled the case
refused with the reason; a procedure's diagram drawn."""
import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, log_in, log_in_as, screenshot

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]


class Api:
    """The server's JSON API with bearer tokens, for the steps this journey does not click."""

    def __init__(self, base: str):
        self.base, self.tokens = base, {}

    def call(self, method: str, path: str, as_: str, body: dict | None = None) -> dict:
        if as_ not in self.tokens:
            self.tokens[as_] = self._send("POST", "/api/v1/auth/token", None,
                                          {"username": as_, "password": DEMO_PASSWORD})["token"]
        return self._send(method, path, self.tokens[as_], body)

    def _send(self, method, path, token, body):
        request = urllib.request.Request(self.base + path, method=method, headers={
            "Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
            data=json.dumps(body).encode() if body is not None else None)
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())


def reinvestigate(api: Api, case_id: int) -> None:
    """The officers do the returned steps again, each with what its last completion recorded, until
    the legal review is ready again."""
    for _ in range(12):
        ready = api.call("GET", f"/api/v1/cases/{case_id}", "officer1")["tasks"]
        if any(t["bpmn_id"] == "legal_review" for t in ready):
            return
        task = next(t for t in ready if t["lane"] == "officer")
        done = [t for t in api.call("GET", f"/api/v1/cases/{case_id}/tasks", "officer1")["items"]
                if t["bpmn_id"] == task["bpmn_id"] and t["state"] == "completed"]
        form = api.call("GET", f"/api/v1/tasks/{task['id']}", "officer1")["form"] or {}
        issued = {name for name, prop in form.get("properties", {}).items() if prop.get("x-document-number")}
        data = {k: v for k, v in done[-1]["data"].items() if k not in issued}  # the system numbers it again
        api.call("POST", f"/api/v1/tasks/{task['id']}/complete", done[-1]["completed_by"], {"data": data})
    raise AssertionError("the legal review did not come back")


def open_first_review(page):
    page.goto("/inbox?queue=reviews")
    page.get_by_test_id("review-link").first.click()
    expect(page).to_have_url(re.compile(r"/tasks/\d+/review$"))
    return int(re.search(r"/tasks/(\d+)/", page.url).group(1))


def fill_checklist(page, failed: dict[str, str]):
    for item in page.locator(".check-item").all():
        name = item.get_attribute("data-item")
        item.locator(f'input[value="{"fail" if name in failed else "pass"}"]').check()
        if name in failed:
            item.locator("textarea").fill(failed[name])


def test_a_reviewer_returns_a_review_and_approves_it_after_the_reinvestigation(page, demo_server):
    log_in(page, "reviewer1")
    expect(page).to_have_url(re.compile(r"/inbox\?queue=reviews$"))
    task_id = open_first_review(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("法制审核")
    expect(page.get_by_test_id("investigation-report")).to_be_visible()
    expect(page.locator(".check-item")).to_have_count(8)
    case_id = int(re.search(r"/cases/(\d+)", page.get_by_test_id("case-number").get_attribute("href")).group(1))
    # approving with a failed finding: the law's refusal, with its article; nothing typed is lost
    fill_checklist(page, {"facts_and_evidence": "缺少当事人询问笔录"})
    page.locator('input[name="review_outcome"][value="approve"]').check()
    page.locator('textarea[name="opinions"]').fill("同意")
    page.get_by_test_id("submit-review").click()
    banner = page.get_by_test_id("refusal")
    expect(banner).to_have_attribute("data-code", "LEGAL_REVIEW_INCONSISTENT")
    expect(banner).to_contain_text("《行政处罚法》第58条")
    item = page.locator('.check-item[data-item="facts_and_evidence"]')
    expect(item.locator(".field-error")).to_be_visible()
    expect(item.locator('input[value="fail"]')).to_be_checked()
    expect(item.locator("textarea")).to_have_value("缺少当事人询问笔录")
    screenshot(page, "20-review-refused")
    # returned with opinions
    page.locator('input[name="review_outcome"][value="return"]').check()
    page.locator('textarea[name="opinions"]').fill("事实不清，退回补充当事人询问笔录")
    page.get_by_test_id("submit-review").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect(page.locator(".flash")).to_contain_text("法制审核已提交")
    expect(page.get_by_test_id("current-steps")).to_contain_text("调查取证")
    screenshot(page, "21-review-returned")
    # the officers investigate again; the review is back, showing the earlier one
    reinvestigate(Api(demo_server), case_id)
    page.goto("/inbox?queue=reviews")
    again = page.locator(f'[data-testid="inbox"] tr:has(a[href="/cases/{case_id}"]) [data-testid="review-link"]')
    again.click()
    assert int(re.search(r"/tasks/(\d+)/", page.url).group(1)) != task_id
    expect(page.get_by_test_id("earlier-reviews")).to_contain_text("事实不清，退回补充当事人询问笔录")
    fill_checklist(page, {})
    page.locator('input[name="review_outcome"][value="approve"]').check()
    page.locator('textarea[name="opinions"]').fill("经补充调查，事实清楚，同意")
    screenshot(page, "22-review-again")
    page.get_by_test_id("submit-review").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect(page.get_by_test_id("current-steps")).not_to_contain_text("法制审核")
    trace = page.get_by_test_id("trace")
    expect(trace).to_contain_text("法制审核退回")
    expect(trace).to_contain_text("法制审核通过")
    screenshot(page, "23-review-approved")


def test_a_reviewer_who_handled_the_case_is_refused_with_the_reason(page, demo_server, demo_flask):
    api = Api(demo_server)
    log_in(page, "reviewer2")
    task_id = open_first_review(page)
    case_id = int(re.search(r"/cases/(\d+)", page.get_by_test_id("case-number").get_attribute("href")).group(1))
    investigation = next(t for t in api.call("GET", f"/api/v1/cases/{case_id}/tasks", "reviewer2")["items"]
                         if t["bpmn_id"] == "investigation" and t["state"] == "completed")
    officer = investigation["completed_by"]
    demo_flask("users", "roles", officer, "--grant", "legal_reviewer")  # an officer who also reviews
    try:
        log_in_as(page, officer)
        page.goto(f"/tasks/{task_id}/review")
        banner = page.get_by_test_id("refusal")
        expect(banner).to_have_attribute("data-code", "REVIEWER_CONFLICT")
        expect(banner).to_contain_text("办理过本案")
        expect(banner).to_contain_text("调查取证")
        expect(banner).to_contain_text("第58条")
        expect(page.get_by_test_id("submit-review")).to_be_disabled()
        screenshot(page, "24-review-conflict")
    finally:
        demo_flask("users", "roles", officer, "--revoke", "legal_reviewer")


def test_the_procedures_page_lists_the_versions_and_draws_a_diagram(page):
    log_in(page, "author1")
    page.get_by_role("link", name="程序", exact=True).click()
    expect(page).to_have_url(re.compile(r"/procedures$"))
    procedure = page.locator('[data-testid="procedure"][data-process-id="general_penalty"]')
    expect(procedure).to_contain_text("cli:")
    screenshot(page, "25-procedures")
    procedure.locator("tbody tr a").first.click()
    diagram = page.get_by_test_id("diagram")
    expect(diagram).to_have_class(re.compile("diagram-ready"), timeout=15000)
    expect(diagram.locator('.djs-element[data-element-id="call_legal_review"]')).to_have_count(1)
    expect(diagram.locator(".bjs-powered-by")).to_be_visible()  # the bpmn.io watermark stays (its license)
    # the legal review is a process of bpmn/shared/ the procedure calls: drawn below its own
    review = page.locator('[data-testid="called-diagram"][data-process-id="shared_legal_review"]')
    expect(review).to_have_class(re.compile("diagram-ready"), timeout=15000)
    expect(review.locator('.djs-element[data-element-id="legal_review"]')).to_have_count(1)
    expect(page.locator('[data-testid="steps"] tr[data-bpmn-id="legal_review"]')).to_contain_text("法制审核人员")
    review.locator('.djs-element[data-element-id="legal_review"]').dispatch_event("click")
    expect(page.locator('tr[data-bpmn-id="legal_review"]')).to_have_class(re.compile("is-selected"))
    screenshot(page, "26-procedure-diagram")
