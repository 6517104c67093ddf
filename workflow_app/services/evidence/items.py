"""Evidence (证据), the heart of 全过程记录: the files an officer collects for a case, its 证据清单.

An officer of the case's department uploads a file to the case, optionally naming the step that
collected it; the file is kept once by SHA-256 (services/evidence/store.py) and its hash, size,
type (sniffed from the bytes, never the name), who, when and at which step go on the case's chain
(`evidence.stored`) in the transaction of its row. Nothing is deleted: an item is withdrawn with a
reason (`evidence.withdrawn`) and stays on the list for reviewers and supervisors. A file is served
only to readers of its case (services/people/access.py), as the type it was sniffed as, and inline only
when that type cannot run script (images, PDF, audio, video).
"""
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

import filetype
from flask import current_app

from ...extensions import db
from ...models import Case, Evidence, EvidenceWithdrawal, Task, User
from ...wall_clock import local_today, utcnow
from .. import paging
from ..audit import trail as audit
from ..errors import Conflict, Invalid, NotFound, tr
from ..people.access import require_role, visible_case
from ..transactions import one_transaction
from . import store as evidence_store

# APL 46: the kinds of evidence, in the Law's order.
KINDS = {
    "documentary": tr("documentary evidence"),            # 书证
    "physical": tr("physical evidence"),                  # 物证
    "audiovisual": tr("audio-visual material"),           # 视听资料
    "electronic": tr("electronic data"),                  # 电子数据
    "witness_testimony": tr("witness testimony"),         # 证人证言
    "party_statement": tr("statement of the party"),      # 当事人的陈述
    "expert_opinion": tr("expert opinion"),               # 鉴定意见
    "inspection_record": tr("inspection or on-site record"),  # 勘验笔录、现场笔录
}

# What an officer collects on site and in the office. Anything else (an executable, HTML, an
# archive whose contents nobody sees) is refused: the list must be readable by the reviewer.
ACCEPTED = {
    "image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/tiff", "image/heic", "image/avif",
    "application/pdf",
    "audio/mpeg", "audio/mp4", "audio/aac", "audio/amr", "audio/ogg", "audio/x-wav", "audio/x-flac",
    "video/mp4", "video/quicktime", "video/webm", "video/3gpp", "video/x-msvideo", "video/x-matroska",
    "video/x-m4v", "video/mpeg", "video/x-ms-wmv", "video/x-flv",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/rtf", "text/plain",
}
# Types a browser shows without running anything of the file's (served inline, sandboxed); others
# are downloaded.
INLINE = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "application/pdf",
          "audio/mpeg", "audio/mp4", "audio/aac", "audio/ogg", "audio/x-wav", "audio/x-flac",
          "video/mp4", "video/webm", "video/quicktime"}
THUMBNAILED = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/tiff"}

TITLE_MAX, SOURCE_MAX, PROVES_MAX, REASON_MAX, FILENAME_MAX = 200, 200, 500, 500, 200


@dataclass(frozen=True)
class Description:
    """What the officer says of an item (all optional but the file itself)."""

    title: str | None = None
    kind: str | None = None
    source: str | None = None
    proves: str | None = None
    collected_on: date | None = None
    task_id: int | None = None


def sniff(head: bytes) -> str | None:
    """The type the bytes are, from their signature; UTF-8 text without control characters is
    text/plain, or text/html when it is markup; None when unknown."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # a character cut by the sniffing window is fine
            return None
        text = head[:err.start].decode("utf-8")
    if not head or any(unicodedata.category(c) == "Cc" and c not in "\t\r\n\f" for c in text):
        return None
    if text.lstrip("\ufeff \t\r\n").startswith("<"):
        return "text/html"  # markup (HTML, SVG, XML): a page that could run script, never evidence
    return "text/plain"


def default_kind(content_type: str) -> str:
    """APL 46's kind a file most likely is, until the officer says otherwise: photos, recordings and
    videos are 视听资料, documents and scans 书证."""
    if content_type.split("/")[0] in ("image", "audio", "video"):
        return "audiovisual"
    return "documentary"


def clean_filename(name: str | None) -> str:
    """The uploaded name without its directories, control characters or excess length."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return name[:FILENAME_MAX] or "file"


def max_bytes() -> int:
    return int(current_app.config["EVIDENCE_MAX_BYTES"])


def _open_case_for_evidence(user: User, case_id: int, what) -> Case:
    require_role(user, "officer", what)
    case = visible_case(user, case_id)
    if case.closed_at is not None:
        raise Conflict(tr("case %(number)s is closed: its evidence list can no longer change", number=case.number),
                       code="case_closed")
    return case


def _description_problems(description: Description) -> dict:
    errors = {}
    if description.kind is not None and description.kind not in KINDS:
        errors["kind"] = [tr("must be one of: %(choices)s", choices=", ".join(KINDS))]
    for field, limit in (("title", TITLE_MAX), ("source", SOURCE_MAX), ("proves", PROVES_MAX)):
        value = getattr(description, field)
        if value is not None and len(value) > limit:
            errors[field] = [tr("at most %(n)s characters", n=limit)]
    if description.collected_on is not None and description.collected_on > local_today():
        errors["collected_on"] = [tr("cannot be after today")]
    return errors


def _checked(case: Case, description: Description) -> tuple[Description, Task | None]:
    errors = _description_problems(description)
    task = None
    if description.task_id is not None:
        task = db.session.get(Task, description.task_id)
        if task is None or task.case_id != case.id or task.state == "cancelled":
            errors["task_id"] = [tr("not a step of case %(number)s", number=case.number)]
    if errors:
        raise Invalid(errors, tr("the evidence cannot be kept"))
    return description, task


def store(user: User, case_id: int, stream: BinaryIO, filename: str | None, description: Description,
          answered=None) -> tuple[Evidence, bool]:
    """Keep one uploaded file as evidence of the case: (the item, whether it is new). The same bytes
    already on the case's list (not withdrawn) are that item, not a second one. `answered`: called
    with the new item inside its transaction (an idempotent request's kept answer)."""
    case = _open_case_for_evidence(user, case_id, tr("adding evidence"))
    description, task = _checked(case, description)
    try:
        kept = evidence_store.put(stream, max_bytes())
    except evidence_store.TooLarge:
        raise Invalid({"file": [tr("larger than the %(mb)s MB an upload may carry",
                                   mb=max_bytes() // (1024 * 1024))]}, tr("the evidence cannot be kept")) from None
    if kept.size == 0:
        raise Invalid({"file": [tr("the file is empty")]}, tr("the evidence cannot be kept"))
    content_type = sniff(kept.head)
    if content_type not in ACCEPTED:
        raise Invalid({"file": [tr("its content is %(type)s, which is not accepted as evidence: send photos, "
                                   "PDF or scans, audio, video, office documents or plain text",
                                   type=content_type or tr("of an unknown type"))]},
                      tr("the evidence cannot be kept"), code="unsupported_media_type")
    existing = db.session.execute(db.select(Evidence).where(
        Evidence.case_id == case.id, Evidence.sha256 == kept.sha256).order_by(Evidence.id)).scalars().all()
    current = next((e for e in existing if e.withdrawal is None), None)
    if current is not None:
        return current, False
    name = clean_filename(filename)
    now = utcnow()
    item = Evidence(case_id=case.id, task_id=task.id if task else None, bpmn_id=task.bpmn_id if task else None,
                    sha256=kept.sha256, size=kept.size, content_type=content_type, filename=name,
                    title=description.title or name, kind=description.kind or default_kind(content_type),
                    source=description.source or None, proves=description.proves or None,
                    collected_on=description.collected_on, collected_by_id=user.id, stored_at=now)
    with one_transaction():
        db.session.add(item)
        db.session.flush()
        audit.record("evidence.stored", actor=user, case_id=case.id, task_id=item.task_id, bpmn_id=item.bpmn_id,
                     at=now, data={"id": item.id, "sha256": item.sha256, "size": item.size,
                                   "content_type": item.content_type, "filename": item.filename,
                                   "title": item.title, "kind": item.kind, "source": item.source,
                                   "proves": item.proves,
                                   "collected_on": item.collected_on.isoformat() if item.collected_on else None})
        if answered is not None:
            answered(item)
    return item, True


def withdraw(user: User, case_id: int, evidence_id: int, reason: str) -> Evidence:
    """Take an item back from the list with the reason (traced); it stays visible."""
    case = _open_case_for_evidence(user, case_id, tr("withdrawing evidence"))
    item = _item_of(case, evidence_id)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": [tr("say why the item is withdrawn")]}, tr("the evidence cannot be withdrawn"))
    if len(reason) > REASON_MAX:
        raise Invalid({"reason": [tr("at most %(n)s characters", n=REASON_MAX)]},
                      tr("the evidence cannot be withdrawn"))
    if item.withdrawal is not None:
        raise Conflict(tr("this item was already withdrawn"), code="already_withdrawn")
    now = utcnow()
    with one_transaction(tr("this item was already withdrawn")):
        row = EvidenceWithdrawal(evidence_id=item.id, reason=reason, withdrawn_by_id=user.id, withdrawn_at=now)
        db.session.add(row)
        db.session.flush()  # the unique evidence_id: a withdrawal at the same moment loses here
        audit.record("evidence.withdrawn", actor=user, case_id=case.id, task_id=item.task_id, bpmn_id=item.bpmn_id,
                     at=now, data={"id": item.id, "sha256": item.sha256, "title": item.title, "reason": reason})
    item.withdrawal = row
    return item


# The list pages by keyset on the item's id (services/paging.py): a case with thousands of CCTV
# stills reads one page of them, its 2000th item as fast as its first.
PAGE_SIZE = 50
ORDER = [paging.SortKey(Evidence.id)]


@dataclass
class ListPage:
    """A page of the case's evidence list: its items and `first`, the number on the list (1: the
    first collected, withdrawn items counted) of its first item."""

    case: Case
    page: paging.Page
    first: int


def list_page(user: User, case_id: int, *, after: str | None = None, per_page: int = PAGE_SIZE) -> ListPage:
    """A page of the case's evidence list, withdrawn items included, in the order collected: the
    items after the cursor `after` (the `next` of the page before), the first page without it."""
    case = visible_case(user, case_id)
    query = (db.select(Evidence).where(Evidence.case_id == case.id)
             .options(db.selectinload(Evidence.collected_by), db.selectinload(Evidence.task)))
    page = paging.fetch_page(query, ORDER, after=after, per_page=per_page)
    return ListPage(case, page, number_of(case, page.items[0]) if after and page.items else 1)


def number_of(case: Case, item: Evidence) -> int:
    """The item's number on the case's list (1: the first collected), as the page numbers it."""
    return db.session.execute(db.select(db.func.count(Evidence.id))
                              .where(Evidence.case_id == case.id, Evidence.id <= item.id)).scalar()


def page_from(item: Evidence, per_page: int = PAGE_SIZE) -> str | None:
    """The cursor of the page that begins with `item` (None: it is on the first page), for showing
    an officer the items just added to a long list."""
    if number_of(item.case, item) <= per_page:
        return None
    return paging.encode_cursor([item.id - 1])


def steps_of(case: Case) -> list[Task]:
    """The case's steps an item may be collected at: those open and those done, in order."""
    return list(db.session.execute(db.select(Task).where(Task.case_id == case.id, Task.state != "cancelled")
                                   .order_by(Task.id)).scalars())


def get(user: User, case_id: int, evidence_id: int) -> Evidence:
    return _item_of(visible_case(user, case_id), evidence_id)


def _item_of(case: Case, evidence_id: int) -> Evidence:
    item = db.session.get(Evidence, evidence_id)
    if item is None or item.case_id != case.id:
        raise NotFound(tr("case %(number)s has no evidence item %(id)s", number=case.number, id=evidence_id))
    return item


def inline(item: Evidence) -> bool:
    return item.content_type in INLINE


def counts(case: Case) -> tuple[int, int]:
    """(items on the list, of which withdrawn)."""
    total, withdrawn = db.session.execute(
        db.select(db.func.count(Evidence.id), db.func.count(EvidenceWithdrawal.id))
        .outerjoin(EvidenceWithdrawal, EvidenceWithdrawal.evidence_id == Evidence.id)
        .where(Evidence.case_id == case.id)).one()
    return total, withdrawn


def description_from_form(form) -> Description:
    """The description sent beside the file (multipart fields of the API and the page alike):
    every field optional; 422 naming each field that is malformed."""
    errors, values = {}, {}
    for field in ("title", "kind", "source", "proves"):
        value = (form.get(field) or "").strip()
        values[field] = value or None
    raw_task = (form.get("task_id") or "").strip()
    if raw_task:
        if not raw_task.isdigit() or not 1 <= int(raw_task) <= 2**31 - 1:
            errors["task_id"] = [tr("must be the id of a step of the case")]
        else:
            values["task_id"] = int(raw_task)
    raw_day = (form.get("collected_on") or "").strip()
    if raw_day:
        try:
            values["collected_on"] = date.fromisoformat(raw_day) if len(raw_day) == 10 else None
        except ValueError:
            values["collected_on"] = None
        if values["collected_on"] is None:
            errors["collected_on"] = [tr("must be a date, YYYY-MM-DD")]
    description = Description(**values)
    errors = {**_description_problems(description), **errors}
    if errors:
        raise Invalid(errors, tr("the evidence cannot be kept"))
    return description


# A kept file answers as what it was sniffed as; nothing of it may run in the app's origin.
FILE_CSP = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'"


def send(item: Evidence, *, download: bool = False):
    """The item's bytes as a response: its sniffed type, inline when that type cannot run script
    (else, or with `download`, as an attachment), conditional and with ranges (a video seeks)."""
    from flask import send_file

    as_attachment = download or not inline(item)
    response = send_file(evidence_store.path_of(item.sha256), mimetype=item.content_type,
                         as_attachment=as_attachment, download_name=item.filename, conditional=True,
                         etag=item.sha256, max_age=0)
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


THUMBNAIL_PX = 320
THUMBNAIL_MAX_PIXELS = 80_000_000  # a 12-megapixel phone photo is far below; a decompression bomb is not


def thumbnail(item: Evidence):
    """The path of a small JPEG of an image item, made once from the kept file (and kept beside
    it, by hash); None when the item is not an image Pillow can read safely."""
    from PIL import Image, ImageOps

    if item.content_type not in THUMBNAILED:
        return None
    path = evidence_store.root() / "thumbnails" / f"{item.sha256}.jpg"
    if path.exists():
        return path
    try:
        with Image.open(evidence_store.path_of(item.sha256)) as image:
            if image.width * image.height > THUMBNAIL_MAX_PIXELS:
                return None
            image = ImageOps.exif_transpose(image)  # a phone's photo the right way up
            image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.part")
            image.convert("RGB").save(partial, "JPEG", quality=80)
            os.replace(partial, path)
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return None
    return path


# -- photos a step names ----------------------------------------------------------------------------
# A form field marked `"x-evidence": true` (an array of item ids) names items of the case's evidence
# list: the photos taken on the spot, uploaded to the list first (the step's page takes them with
# the phone's camera and sends each as it is taken), then named by the step, so the step's record
# and the list hold the same files, each kept once by its hash.
EVIDENCE_MARK = "x-evidence"


def cited_fields(schema: dict | None) -> list[str]:
    """The top-level fields of a form that name items of the evidence list."""
    return [name for name, prop in ((schema or {}).get("properties") or {}).items()
            if isinstance(prop, dict) and prop.get(EVIDENCE_MARK) is True]


def check_cited(schema: dict | None, data: dict, case: Case) -> None:
    """Each item a step names is on the case's evidence list and not withdrawn (422 naming the
    field and the item otherwise)."""
    errors = {}
    for name in cited_fields(schema):
        ids = [i for i in data.get(name) or [] if isinstance(i, int) and not isinstance(i, bool)]
        if not ids:
            continue
        found = {item.id: item for item in db.session.execute(db.select(Evidence).where(
            Evidence.case_id == case.id, Evidence.id.in_(ids))).scalars()}
        for i in ids:
            if i not in found:
                errors.setdefault(name, []).append(tr("%(id)s is not an item of the evidence list of case %(number)s",
                                                      id=i, number=case.number))
            elif found[i].withdrawal is not None:
                errors.setdefault(name, []).append(tr("item %(id)s was withdrawn from the evidence list", id=i))
    if errors:
        raise Invalid(errors)


def collected_at(case: Case, task_id: int) -> list[Evidence]:
    """The items of the case collected at one step and not withdrawn, in the order collected."""
    return [item for item in db.session.execute(db.select(Evidence).where(
        Evidence.case_id == case.id, Evidence.task_id == task_id).order_by(Evidence.id)).scalars()
        if item.withdrawal is None]


def named(case: Case, ids) -> list[Evidence]:
    """The items of the case among `ids`, in the order collected."""
    ids = [i for i in ids or [] if isinstance(i, int) and not isinstance(i, bool)]
    if not ids:
        return []
    return list(db.session.execute(db.select(Evidence).where(Evidence.case_id == case.id, Evidence.id.in_(ids))
                                   .order_by(Evidence.id)).scalars())


def cited(case: Case, as_of) -> list[dict]:
    """The evidence list as a document made at `as_of` cites it (the 告知书 and 决定书): the items
    stored by then and not withdrawn by then, numbered in the order collected, each with a `line`
    as printed (名称（种类；证明：…）). Items added later do not change a document already made."""
    if as_of is None:
        return []
    rows = db.session.execute(db.select(Evidence).where(Evidence.case_id == case.id, Evidence.stored_at <= as_of)
                              .order_by(Evidence.id)).scalars().all()
    out = []
    for item in rows:
        if item.withdrawal is not None and item.withdrawal.withdrawn_at <= as_of:
            continue
        kind = str(localized_kind(item.kind))
        details = "；".join(x for x in (kind, f"证明：{item.proves}" if item.proves else None) if x)
        out.append({"id": item.id, "number": len(out) + 1, "title": item.title, "kind": kind, "source": item.source,
                    "proves": item.proves, "sha256": item.sha256,
                    "collected_on": item.collected_on.isoformat() if item.collected_on else None,
                    "line": f"{len(out) + 1}. {item.title}（{details}）"})
    return out


def localized_kind(code: str) -> str:
    """A kind's name as the documents print it: Chinese, whatever the reader's language."""
    from flask_babel import force_locale

    from ...i18n import localized

    with force_locale("zh"):
        return localized(KINDS.get(code, code))
