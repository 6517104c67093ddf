"""The case's evidence list through the API (services/evidence/items.py): upload, list, read, withdraw."""
from flask import g, jsonify, request, url_for

from ..services import idempotency
from ..services.errors import Conflict, Invalid, tr
from ..services.evidence import items as evidence
from ..strict_input import large_upload
from . import bp
from .openapi import operation
from .routes import cursor_page, json_body, paging_params, per_page_arg
from .schemas import EvidenceListSchema, EvidenceSchema, EvidenceWithdrawSchema

EVIDENCE_ID = {"evidence_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
DESCRIPTION = {
    "task_id": {"type": "integer", "minimum": 1, "description": "the step of the case that collected it"},
    "title": {"type": "string", "maxLength": evidence.TITLE_MAX, "description": "its name on the list "
                                                                               "(default: the file's name)"},
    "kind": {"type": "string", "enum": list(evidence.KINDS), "description": "APL 46's kind (default: "
                                                                            "audiovisual for images, audio and "
                                                                            "video; documentary otherwise)"},
    "source": {"type": "string", "maxLength": evidence.SOURCE_MAX, "description": "where it came from"},
    "proves": {"type": "string", "maxLength": evidence.PROVES_MAX, "description": "what it proves (证明事项)"},
    "collected_on": {"type": "string", "format": "date", "description": "the day it was collected"},
}


@bp.post("/cases/<id:case_id>/evidence")
@large_upload("EVIDENCE_MAX_BYTES")
@operation("Add a file to the case's evidence list (multipart field `file`: a photo, PDF or scan, audio, "
           "video, office document or plain text; its type is sniffed from its bytes). Kept once by SHA-256; "
           "hash, size, type, who, when and the step go on the case's trail (evidence.stored). The same bytes "
           "already on the list answer 200 with that item. With an `Idempotency-Key`, a retry gets the first "
           "answer again", body={"multipart": DESCRIPTION}, response=EvidenceSchema, tag="evidence",
           headers={"Idempotency-Key": "a key of your own for this upload (e.g. a UUID), kept with its answer"},
           location="the new item (GET /cases/{case_id}/evidence/{evidence_id})",
           errors={"413": "the upload is larger than EVIDENCE_MAX_BYTES"},
           also={"200": "the same bytes were already on the case's list: that item"})
def store_evidence(case_id: int):
    user = g.user
    upload = request.files.get("file")
    if upload is None:
        raise Invalid({"file": [tr("send the file as the multipart file field 'file'")]},
                      tr("the evidence cannot be kept"))
    description = evidence.description_from_form(request.form)
    key = idempotency.parse_key(request.headers.get(idempotency.HEADER))
    fields = {name: request.form.get(name) for name in sorted(DESCRIPTION) if name in request.form}
    answered, request_sha256 = None, None
    if key is not None:
        # The request the key stands for: its fields and the file's name; the bytes are compared by
        # the kept answer's hash once they are read (same key, other bytes: refused).
        request_sha256 = idempotency.fingerprint(request.method, request.path,
                                                 {**fields, "filename": upload.filename or ""})
        kept = idempotency.replay(user, key, request_sha256)
        if kept is not None:
            return _replayed(kept)

        def answered(item):
            idempotency.remember(user, key, request_sha256, 201, EvidenceSchema().dump(item), _location(item))
    try:
        item, created = evidence.store(user, case_id, upload.stream, upload.filename, description,
                                       answered=answered)
    except Conflict:
        if key is None or (kept := idempotency.replay(user, key, request_sha256)) is None:
            raise
        return _replayed(kept)
    body = EvidenceSchema().dump(item)
    return jsonify(body), 201 if created else 200, {"Location": _location(item)}


def _replayed(kept):
    return jsonify(kept.response), kept.status, {"Location": kept.location, "Idempotent-Replayed": "true"}


def _location(item) -> str:
    return url_for("api.get_evidence", case_id=item.case_id, evidence_id=item.id)


@bp.get("/cases/<id:case_id>/evidence")
@operation(f"The case's evidence list (证据清单), withdrawn items included, in the order collected, a page at a "
           f"time ({evidence.PAGE_SIZE} items by default): follow `next` for the rest",
           response=EvidenceListSchema, tag="evidence", params=paging_params(evidence.PAGE_SIZE, numbers=False))
def list_evidence(case_id: int):
    per_page = per_page_arg(evidence.PAGE_SIZE)
    found = evidence.list_page(g.user, case_id, after=request.args.get("after") or None, per_page=per_page)
    return jsonify(cursor_page(found.page, EvidenceSchema, per_page))


@bp.get("/cases/<id:case_id>/evidence/<id:evidence_id>")
@operation("One item of the case's evidence list", response=EvidenceSchema, tag="evidence")
def get_evidence(case_id: int, evidence_id: int):
    return jsonify(EvidenceSchema().dump(evidence.get(g.user, case_id, evidence_id)))


@bp.get("/cases/<id:case_id>/evidence/<id:evidence_id>/content")
@operation("The item's bytes, as the type they were sniffed as (inline for images, PDF, audio and video; a "
           "download otherwise); conditional (ETag: the SHA-256) and with byte ranges", tag="evidence",
           produces="application/octet-stream")
def read_evidence(case_id: int, evidence_id: int):
    return evidence.send(evidence.get(g.user, case_id, evidence_id))


@bp.post("/cases/<id:case_id>/evidence/<id:evidence_id>/withdraw")
@operation("Withdraw an item from the evidence list with the reason (traced: evidence.withdrawn); it stays "
           "on the list, marked withdrawn", body=EvidenceWithdrawSchema, response=EvidenceSchema, tag="evidence")
def withdraw_evidence(case_id: int, evidence_id: int):
    payload = json_body(EvidenceWithdrawSchema())
    return jsonify(EvidenceSchema().dump(evidence.withdraw(g.user, case_id, evidence_id, payload["reason"])))
