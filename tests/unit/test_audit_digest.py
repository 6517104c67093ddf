"""An event's digest is taken over the canonical JSON of its fields: event_body writes it out
field by field (audit verify computes it for every event), and must be canonical_json's exactly."""
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from workflow_app.services.audit import canonical_json, event_body, event_digest

AWKWARD = ["", "case:1", "普通程序 立案", 'quote " and back\\slash', "tab\tnew\nline\r", "\x00\x1f\x7f",
           "\u2028\u2029", "emoji 🧾", "\ud800", "{\"form\":{}}", "null"]


def fields_of(rng: random.Random) -> dict:
    def text():
        return rng.choice(AWKWARD + ["".join(chr(rng.randrange(0, 0x3000)) for _ in range(rng.randrange(8)))])

    typed = rng.random() < 0.5  # the columns' own types (the fast path), or what a tampered SQLite row holds

    def number():
        return rng.choice([None, 0, 1, 42, -7, 2**63] + ([] if typed else [True, False, 1.5, "12", "x"]))

    return dict(chain=text(), seq=number() if not typed else rng.randrange(1, 10**6), case_id=number(), actor_id=number(), task_id=number(),
                actor=text() if typed else rng.choice([text(), None]), action=text(), bpmn_id=rng.choice([text(), None]),
                data_json=text(), prev=text(),  # prev: event_digest's name for the previous digest
                at=datetime(2026, 1, 2, 3, 4, 5, rng.choice([0, 123456]), tzinfo=rng.choice(
                    [UTC, timezone(timedelta(hours=8))])))


def canonical_body(key_id, f) -> bytes:
    fields = {"chain": f["chain"], "seq": f["seq"], "case_id": f["case_id"],
              "at": f["at"].isoformat(timespec="microseconds"), "actor_id": f["actor_id"], "actor": f["actor"],
              "action": f["action"], "task_id": f["task_id"], "bpmn_id": f["bpmn_id"], "data": f["data_json"],
              "prev": f["prev"], **({"key": key_id} if key_id is not None else {})}
    return canonical_json(fields).encode("utf-8")  # a lone surrogate cannot be stored or hashed


@pytest.mark.parametrize("key_id", [None, "0123456789abcdef"])
def test_the_event_body_is_the_canonical_json_of_the_fields(key_id):
    rng = random.Random(7)
    for _ in range(2000):
        f = fields_of(rng)
        try:
            expected = canonical_body(key_id, f)
        except UnicodeEncodeError:
            expected = UnicodeEncodeError
        try:
            body = event_body(key_id, f["chain"], f["seq"], f["case_id"], f["at"], f["actor_id"], f["actor"],
                              f["action"], f["task_id"], f["bpmn_id"], f["data_json"], f["prev"])
        except UnicodeEncodeError:
            body = UnicodeEncodeError
        assert body == expected, f


def test_the_digest_is_the_hmac_of_the_body_under_the_key_or_its_sha256_unkeyed():
    import hashlib
    import hmac

    f = dict(chain="case:7", seq=3, case_id=7, at=datetime(2026, 5, 1, 8, 0, tzinfo=UTC), actor_id=2, actor="officer1",
             action="task.completed", task_id=11, bpmn_id="clue_intake", data_json='{"form":{"a":"清河"}}',
             prev="ab" * 32)
    key = b"k" * 32
    assert event_digest(key, key_id="kid", **f) == hmac.new(key, canonical_body("kid", f), hashlib.sha256).hexdigest()
    unkeyed = event_digest(None, key_id=None, **f)
    assert unkeyed == hashlib.sha256(canonical_body(None, f)).hexdigest()
