"""Benchmark: how the server fares against hostile procedures, with the production limits.

For each procedure of the hostile corpus (tests/samples.py HOSTILE_AT_RUN_TIME), over HTTP against
the real app (werkzeug, threaded, fresh SQLite file, default ENGINE_* limits):

* time to a clean answer: deploy it, open a case, complete the task that runs the hostile
  element; the seconds until the 422 arrives;
* the server's responsiveness meanwhile: a second client keeps asking for the case list
  (GET /api/v1/cases) while the hostile step runs; its median and worst latency, next to the
  same request's median on an idle server, measured in the same run.

Run:  make bench-hostile                 (= .venv/bin/python bench/bench_hostile.py)
"""
import http.client
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_cases import USERS, make_app  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from tests.samples import HOSTILE_AT_RUN_TIME  # noqa: E402

PASSWORD = "bench-password-1"


class Client:
    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.token = None

    def call(self, method: str, path: str, body=None, headers=None, raw: bytes | None = None):
        hdrs = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        hdrs.update(headers or {})
        payload = raw
        if body is not None:
            payload, hdrs["Content-Type"] = json.dumps(body), "application/json"
        self.conn.request(method, path, payload, hdrs)
        r = self.conn.getresponse()
        return r.status, json.loads(r.read() or b"{}")

    def login(self, user: str):
        status, body = self.call("POST", "/api/v1/auth/token", {"username": user, "password": PASSWORD})
        assert status == 201, body
        self.token = body["token"]


def deploy(client: Client, bpmn: bytes):
    boundary = "zhifaflowbench"
    raw = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.bpmn\"\r\n"
           "Content-Type: application/xml\r\n\r\n").encode() + bpmn + f"\r\n--{boundary}--\r\n".encode()
    status, body = client.call("POST", "/api/v1/procedures", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}"}, raw=raw)
    assert status in (200, 201), body


def list_latency(client: Client) -> float:
    t0 = time.perf_counter()
    status, _ = client.call("GET", "/api/v1/cases?per_page=20")
    assert status == 200
    return time.perf_counter() - t0


def main():
    tmp = Path(tempfile.mkdtemp(prefix="zhifaflow-hostile-"))
    app = make_app(tmp / "app.db")
    app.config["TESTING"] = False  # production limits and behaviour; rate limit stays off
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_port
    try:
        author, officer, reader = Client(port), Client(port), Client(port)
        author.login("author1")
        officer.login("officer1")
        reader.login("head1")
        assert "officer1" in USERS
        idle = [list_latency(reader) for _ in range(30)]
        print(f"ZhifaFlow bench: hostile procedures over HTTP, default engine limits "
              f"(step CPU {app.config.get('ENGINE_STEP_CPU_SECONDS') or 2:g} s, wall "
              f"{app.config.get('ENGINE_STEP_WALL_SECONDS') or 5:g} s)\n")
        print(f"idle server: GET /api/v1/cases median {statistics.median(idle) * 1000:.1f} ms\n")
        print(f"{'hostile procedure':<20}{'to 422 (s)':>11}{'other requests':>16}{'median ms':>11}"
              f"{'worst ms':>10}  error")
        for process_id, bpmn, _, _ in HOSTILE_AT_RUN_TIME:
            deploy(author, bpmn)
            status, case = officer.call("POST", "/api/v1/cases", {
                "procedure_id": process_id, "title": "hostile", "department": "market",
                "party": {"name": "某公司", "kind": "organization"}})
            assert status == 201, case
            task = next(t for t in case["tasks"] if t["bpmn_id"] == "t1")
            done = threading.Event()
            meanwhile = []

            def poll(done=done, meanwhile=meanwhile):
                while not done.is_set():
                    meanwhile.append(list_latency(reader))

            poller = threading.Thread(target=poll)
            t0 = time.perf_counter()
            poller.start()
            status, body = officer.call("POST", f"/api/v1/tasks/{task['id']}/complete", {"data": {}})
            elapsed = time.perf_counter() - t0
            done.set()
            poller.join()
            assert status == 422, (process_id, status, body)
            message = body["errors"]["_engine"][0]
            print(f"{process_id:<20}{elapsed:>11.2f}{len(meanwhile):>16}"
                  f"{statistics.median(meanwhile) * 1000:>11.1f}{max(meanwhile) * 1000:>10.1f}  "
                  f"{message[:90]}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
