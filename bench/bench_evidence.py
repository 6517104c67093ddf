"""Bench: one large evidence upload (a site's 200 MB video) over HTTP, its time and the server's
memory, next to the machine's own copy-and-hash of the same bytes measured in the same run.

A fresh SQLite database and evidence store in a temporary directory; the app under Werkzeug's
server in a thread of this process; the client streams a multipart body of --mb megabytes (an MP4
header, then random bytes) with http.client, never holding it in memory. Prints: seconds and MB/s
of the upload, of the baseline (read the same bytes from a file, SHA-256 them, write a copy), their
ratio, and the growth of this process's peak resident memory during the upload (the body is
spooled to disk by Werkzeug and streamed into the store, so it stays far below the file's size).

Run:  .venv/bin/python bench/bench_evidence.py [--mb 200]      (make bench-evidence)
"""
import argparse
import contextlib
import hashlib
import http.client
import io
import json
import logging
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHUNK = 1024 * 1024
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
PASSWORD = "bench-password-1"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_source(path: Path, size: int) -> None:
    with open(path, "wb") as out:
        out.write(MP4_HEAD)
        left = size - len(MP4_HEAD)
        while left > 0:
            n = min(CHUNK, left)
            out.write(os.urandom(n))
            left -= n


def baseline(source: Path, target: Path) -> float:
    """The least any upload must do: read the bytes, hash them, write them once."""
    started = time.perf_counter()
    digest = hashlib.sha256()
    with open(source, "rb") as f, open(target, "wb") as out:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return time.perf_counter() - started


def upload(port: int, token: str, case_id: int, source: Path) -> tuple[float, dict, int]:
    boundary = "benchboundary7f3a"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n现场执法录像\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"video.mp4\"\r\n"
            "Content-Type: video/mp4\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + source.stat().st_size + len(tail)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.putrequest("POST", f"/api/v1/cases/{case_id}/evidence")
    conn.putheader("Authorization", f"Bearer {token}")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(length))
    conn.endheaders()
    conn.send(head)
    with open(source, "rb") as f:
        while chunk := f.read(CHUNK):
            conn.send(chunk)
    conn.send(tail)
    response = conn.getresponse()
    body = json.loads(response.read() or b"{}")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed, body, response.status


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=200)
    args = ap.parse_args(argv)
    size = args.mb * 1000 * 1000

    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from workflow_app import create_app
    from workflow_app.demo.seed import seed_demo
    from workflow_app.extensions import db
    from workflow_app.services.procedures import versions as procedures

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}", "ZHIFAFLOW_ENV": "development",
                          "SECRET_KEY": "bench-only-secret-key-of-32-characters-or-more",
                          "AUDIT_HMAC_KEY": "bench-only-audit-key-0123456789abcdef", "AUDIT_KEY_DIR": str(tmp),
                          "EVIDENCE_DIR": str(tmp / "evidence"), "EVIDENCE_MAX_BYTES": size + CHUNK,
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "RATELIMIT_ENABLED": False})
        with app.app_context():
            with contextlib.redirect_stderr(io.StringIO()):
                upgrade()
            logging.getLogger("alembic").setLevel(logging.WARNING)
            seed_demo(PASSWORD)
            procedures.deploy((ROOT / "bpmn" / "general_penalty" / "general_penalty.bpmn").read_bytes(), "cli:bench")
            db.session.remove()
        client = app.test_client()
        token = client.post("/api/v1/auth/token", json={"username": "officer1", "password": PASSWORD}).json["token"]
        case = client.post("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}, json={
            "procedure_id": "general_penalty", "title": "录像证据上传基准", "department": "market",
            "party": {"name": "某商户", "kind": "organization"}}).json
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()

        source = tmp / "video.mp4"
        write_source(source, size)
        base = baseline(source, tmp / "copy.mp4")
        (tmp / "copy.mp4").unlink()
        rss_before = peak_rss_mb()
        elapsed, body, status = upload(server.server_port, token, case["id"], source)
        rss_growth = peak_rss_mb() - rss_before
        server.shutdown()
        ok = status == 201 and body.get("size") == size and body.get("content_type") == "video/mp4"
        mb = size / 1e6
        print(f"evidence upload of {mb:.0f} MB over HTTP: {'ok' if ok else f'FAILED {status} {body}'}")
        print(f"  upload   {elapsed:7.2f} s  {mb / elapsed:7.1f} MB/s")
        print(f"  baseline {base:7.2f} s  {mb / base:7.1f} MB/s  (read + SHA-256 + write once, same bytes)")
        print(f"  ratio upload/baseline: {elapsed / base:.2f}")
        print(f"  peak resident memory grew by {rss_growth:.0f} MB during the upload "
              f"({rss_growth / mb * 100:.1f} % of the file)")
        if not ok:
            sys.exit(1)


if __name__ == "__main__":
    main()
