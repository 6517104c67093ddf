"""An event's digest is taken over the canonical JSON of its fields: event_body writes it out
field by field (audit verify computes it for every event), and must be canonical_json's exactly."""
import json
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from workflow_app.services.audit.trail import canonical_json, event_body, event_digest

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


@pytest.mark.parametrize("key_length", [32, 63, 64, 65, 200])  # a key longer than SHA-256's block is hashed first
def test_the_keyed_states_audit_verify_copies_give_the_hmac_of_the_body(key_length):
    """audit verify keys SHA-256 once a chain key (audit.hmac_states) and copies the two states
    for every event: the same digest as HMAC-SHA256 (RFC 2104), hence as event_digest."""
    import hmac

    from workflow_app.services.audit.trail import hmac_states

    rng = random.Random(key_length)
    key = bytes(rng.randrange(256) for _ in range(key_length))
    inner, outer = hmac_states(key)
    for length in (0, 1, 55, 56, 64, 200, 5000):
        message = bytes(rng.randrange(256) for _ in range(length))
        keyed_inner, keyed_outer = inner.copy(), outer.copy()
        keyed_inner.update(message)
        keyed_outer.update(keyed_inner.digest())
        assert keyed_outer.hexdigest() == hmac.new(key, message, "sha256").hexdigest()
    f = dict(chain="case:7", seq=3, case_id=7, at=datetime(2026, 5, 1, 8, 0, tzinfo=UTC), actor_id=2, actor="o",
             action="task.ready", task_id=11, bpmn_id="clue_intake", data_json="{}", prev="ab" * 32)
    keyed_inner, keyed_outer = inner.copy(), outer.copy()
    keyed_inner.update(event_body("kid", *f.values()))
    keyed_outer.update(keyed_inner.digest())
    assert keyed_outer.hexdigest() == event_digest(key, key_id="kid", **f)


def json_value(rng: random.Random, depth: int = 0):
    kinds = ["null", "bool", "int", "float", "text"] + (["list", "object"] if depth < 4 else [])
    kind = rng.choice(kinds)
    if kind == "null":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "int":
        return rng.choice([0, -1, 7, 2**53 + 1, -(2**70), 10**30])
    if kind == "float":
        return rng.choice([0.0, -0.0, 1.0, 0.1, 1e16, 1.5e-7, 123456.789, float("inf"), float("nan")])
    if kind == "text":
        return rng.choice(AWKWARD[:-3] + ["罚款 5000 元", ""])
    if kind == "list":
        return [json_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(AWKWARD[:-3] + ["b", "a", "金额", "Z"]): json_value(rng, depth + 1) for _ in range(rng.randrange(5))}


def test_values_read_from_json_are_written_as_canonical_json_writes_them():
    """audit verify writes each task row's form (and each alert's details, each review's findings)
    with canonical_json_of_read, canonical_json's encoder made once: the same text, for any value
    a JSON text holds."""
    from workflow_app.services.audit.trail import canonical_json_of_read

    rng = random.Random(11)
    for _ in range(3000):
        value = json.loads(json.dumps(json_value(rng), ensure_ascii=rng.random() < 0.5))  # as read from a column
        assert canonical_json_of_read(value) == canonical_json(value), value


@pytest.mark.parametrize("text", [
    '{"form":{"a":1},"task":"x"}', '{"b": [1, 2.5, "三"], "a": null}', " {} ", "{}\n", "[]", '"x"', "12", "1e400",
    "NaN", "-Infinity", '{"a":1,"a":2}', '"\\ud800"', "\ufeff{}", "", " ", "{", '{"a":1}x', '{"a":1} {}', "nul", "01"])
def test_audit_verify_reads_json_as_json_loads_does(text):
    """audit verify's reading of a JSON text (its C scanner alone when the text is one value, end
    to end) gives json.loads's value, or fails where json.loads fails."""
    from workflow_app.services.audit.verify import _loads

    try:
        expected = ("value", json.loads(text))
    except ValueError:
        expected = ("error", ValueError)
    try:
        got = ("value", _loads(text))
    except ValueError:
        got = ("error", ValueError)
    assert repr(got) == repr(expected)  # repr: nan is not equal to itself


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_audit_verify_writes_each_event_body_of_typed_rows_as_event_body_does(seed):
    """audit verify writes the body of PostgreSQL's rows (each value of its column's type, the data
    as its UTF-8 bytes, the time written as isoformat writes it) in its chain loop, keeping the JSON
    text of the strings that repeat: every digest made by event_digest verifies there, keyed or
    not, awkward strings (control characters, quotes, CJK) in every field, key ids, nulls, broken
    links and links to a digest that is not hex included, and a changed field does not."""
    from workflow_app.services.audit.trail import hmac_states
    from workflow_app.services.audit.verify import VerifyReport, _check_chain

    rng = random.Random(seed)
    keys = {"k1": b"first key " * 4, 'k"2\\': b"second"}
    states = {key_id: hmac_states(key) for key_id, key in keys.items()}
    texts = {None: "null"}  # one group's, shared by its chains
    for chain_number in range(20):
        chain, events, prev, forged = f"case:{chain_number}", [], "0" * 64, []
        for seq in range(1, rng.randrange(2, 12)):
            key_id = rng.choice([*keys, None])
            if rng.random() < 0.1:
                prev = rng.choice(AWKWARD[:-3])  # a broken link: the body holds what the row holds
            at = datetime(2026, 1, 2, 3, 4, 5, rng.choice([0, 123456]), tzinfo=UTC) + timedelta(minutes=seq)
            f = dict(chain=chain, seq=seq, case_id=rng.choice([chain_number, None, 99]),
                     at=at, actor_id=rng.choice([None, 0, 3, 2**40]), actor=rng.choice(["officer1", *AWKWARD[:-3]]),
                     action=rng.choice(["task.ready", "case.noted", *AWKWARD[:-3]]), task_id=rng.choice([None, 5]),
                     bpmn_id=rng.choice([None, "clue_intake", *AWKWARD[:-3]]),
                     data_json=rng.choice(['{"form":{"a":"清河"}}', "{}", *AWKWARD[:-3]]) * rng.randrange(1, 3),
                     prev=prev)
            digest = event_digest(keys.get(key_id), key_id=key_id, **f)
            if rng.random() < 0.1:  # a digest not hex: the next event's link to it holds, its own does not
                digest = rng.choice(AWKWARD[:-3])
                forged.append(seq)
            event_id = None if key_id else seq  # read only for an unkeyed event (audit_verify.EVENT_COLUMNS)
            events.append((event_id, chain, seq, f["case_id"], at, f["actor_id"], f["actor"], f["action"], f["task_id"],
                           f["bpmn_id"], f["data_json"].encode(), prev, digest, key_id,
                           at.isoformat(timespec="microseconds")))
            prev = digest
        for tampered in (None, rng.randrange(len(events))):
            rows = list(events)
            if tampered is not None:
                row = list(rows[tampered])
                row[10] = row[10] + b" "  # the data edited
                rows[tampered] = tuple(row)
            report = VerifyReport()
            _check_chain(chain, rows, None, states, 10**9, {}, report, None, texts)
            digests = [p for p in report.problems if "does not match its digest" in p.problem]
            assert [p.seq for p in digests] == sorted({*forged, *([] if tampered is None else [tampered + 1])}), \
                report.problems


def test_the_form_a_task_completed_event_recorded_is_found_alike_in_its_text_and_its_utf8_bytes():
    """audit verify finds the form a task.completed event recorded (to compare with the task row's)
    in the event's text, or in its UTF-8 bytes as PostgreSQL's rows bring it: the same form either
    way, whether the event verified or not, whatever the form, the task's name or the changes hold."""
    from workflow_app.services.audit.trail import canonical_json_of_read
    from workflow_app.services.audit.verify import _recorded_form

    rng = random.Random(5)
    names = ["clue_intake", '名称 "引号" \\ 反斜杠', '","task":"x', "", "\n"]
    for _ in range(1500):
        form = json_value(rng)
        changes = rng.choice([{}, {"form": {"new": json_value(rng)}}, {"a": {"form": 1, "task": "y"}}])
        written = canonical_json({"changes": changes, "form": form, "task": rng.choice(names)})
        data_json = rng.choice([written, written, written[:-1], written + " ", "[1]", "{}", "nul"])
        row = rng.choice([form, json_value(rng)])
        row_form = canonical_json_of_read(json.loads(json.dumps(row)))
        for verified in (True, False):
            from_text = _recorded_form(data_json, verified, row_form)
            assert _recorded_form(data_json.encode(), verified, row_form) == from_text, (data_json, row_form)
            if data_json == written:
                assert from_text == canonical_json_of_read(json.loads(written)["form"])
