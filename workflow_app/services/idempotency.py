"""Requests that are safe to retry: `Idempotency-Key` on opening a case.

A client on a site's flaky mobile network sends `POST /api/v1/cases` and loses the answer; it sends
the same request again with the same `Idempotency-Key` header. The first request's answer (its
status, body and `Location`) is kept in the same transaction as the case it opened
(`IdempotentRequest`), so the retry gets that answer again and no second case, with a number of its
own, is opened. The key is the user's: the same key of two users never meets. The same key with
another request (another path or body) is refused, 422 naming the header, rather than answered with
an answer to something else. Two retries at once: both may open a case, but only one key row
commits (the unique index); the other's transaction, case and number included, rolls back and it
answers with the first's.
"""
import hashlib
import json
import re

from ..extensions import db
from ..models import IdempotentRequest, User
from .errors import Invalid, tr

HEADER = "Idempotency-Key"
# Printable ASCII, as the IETF draft's examples (UUIDs, random strings); bounded for the column.
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


def parse_key(value: str | None) -> str | None:
    """The header's key, None when it is absent; 422 naming the header when it is malformed."""
    if value is None:
        return None
    if not _KEY.match(value):
        raise Invalid({HEADER: [tr("must be 1 to 200 printable ASCII characters without spaces (e.g. a UUID)")]})
    return value


def fingerprint(method: str, path: str, body) -> str:
    """The request the key stands for: its method, path and JSON body (keys in order)."""
    canonical = json.dumps([method, path, body], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def replay(user: User, key: str, request_sha256: str) -> IdempotentRequest | None:
    """The kept answer to the user's earlier request with this key, or None (a first request);
    422 when the key was used for another request."""
    found = db.session.execute(db.select(IdempotentRequest).where(
        IdempotentRequest.user_id == user.id, IdempotentRequest.key == key)).scalar_one_or_none()
    if found is not None and found.request_sha256 != request_sha256:
        raise Invalid({HEADER: [tr("this key was used for another request; use a new key for a new request")]})
    return found


def remember(user: User, key: str, request_sha256: str, status: int, response, location: str | None) -> None:
    """Keep the answer, in the caller's transaction (flushed now: a concurrent twin fails here,
    before anything else of its transaction commits)."""
    db.session.add(IdempotentRequest(user_id=user.id, key=key, request_sha256=request_sha256, status=status,
                                     response=response, location=location))
    db.session.flush()
