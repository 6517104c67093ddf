"""Files kept with a case's record (case_attachment, immutable): the party's signature drawn on the
screen when a decision is handed over on the spot (APL Art. 52).

A form field marked `"x-signature": true` holds the SHA-256 of a signature stored with the case:
the drawing is stored first (`store_signature`: a real PNG within the size limit with something
drawn on it, traced as `attachment.stored`), then the step names it by its hash
(`check_signatures`), so the hash stands in the step's own trace event (`task.completed`) and a
document printing the drawing can be matched to it. The pages send the drawing with the step's form as a `data:image/png;base64,` URL.
"""
import base64
import binascii
import hashlib
import io
import re
import struct
import zlib

from PIL import Image

from ...extensions import db
from ...models import Case, CaseAttachment, Task, User
from ...models.types import utcnow
from ..audit import trail as audit
from ..errors import Conflict, Invalid, NotFound, Text, tr
from ..people.access import check_may_act, visible_case
from ..procedures.versions import procedure_info
from ..transactions import one_transaction

SIGNATURE = "signature"
PNG = "image/png"
MAX_SIGNATURE_BYTES = 256 * 1024  # a phone's canvas of strokes is 10-60 KB; as a data URL it fits a form field
MAX_SIDE = 4096  # pixels, each way
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# colour type -> (channels, the bit depths it allows) (PNG spec 11.2.2)
COLOUR_TYPES = {0: (1, (1, 2, 4, 8, 16)), 2: (3, (8, 16)), 3: (1, (1, 2, 4, 8)), 4: (2, (8, 16)), 6: (4, (8, 16))}
SHA256 = re.compile(r"^[0-9a-f]{64}$")
DATA_URL = re.compile(r"^data:image/png;base64,([A-Za-z0-9+/=\s]*)$")


# -- what a signature is ----------------------------------------------------------------------------
def png_problem(data: bytes) -> Text | None:
    """Why `data` is not a PNG image this system keeps, or None: the signature bytes, every chunk
    whole with its checksum, a header first (at most MAX_SIDE pixels each way, a valid colour type
    and depth, not interlaced), a palette where one is needed, image data that inflates to exactly
    the size the header gives (read no further than that: no zip bomb), an end chunk last."""
    if len(data) > MAX_SIGNATURE_BYTES:
        return tr("the image is %(size)d bytes; the limit is %(limit)d", size=len(data), limit=MAX_SIGNATURE_BYTES)
    if not data.startswith(PNG_MAGIC):
        return tr("not a PNG image")
    chunks, pos = [], len(PNG_MAGIC)
    while pos < len(data):
        if pos + 12 > len(data):
            return tr("the PNG image is cut short")
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 12 + length
        if end > len(data):
            return tr("the PNG image is cut short")
        body = data[pos + 8:pos + 8 + length]
        if not kind.isalpha() or zlib.crc32(kind + body) != struct.unpack(">I", data[end - 4:end])[0]:
            return tr("a chunk of the PNG image is damaged (its checksum does not match)")
        chunks.append((kind, body))
        pos = end
        if kind == b"IEND":
            break
    if pos != len(data):
        return tr("the PNG image has data after its end")
    if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        return tr("the PNG image has no header")
    if chunks[-1][0] != b"IEND":
        return tr("the PNG image is cut short")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        return tr("the image is %(width)d × %(height)d pixels; at most %(limit)d each way", width=width,
                  height=height, limit=MAX_SIDE)
    channels, depths = COLOUR_TYPES.get(colour, (0, ()))
    if depth not in depths or compression != 0 or filtering != 0 or interlace not in (0, 1):
        return tr("the PNG image's header is not valid")
    if interlace:
        return tr("an interlaced PNG image is not accepted; send it as drawn")
    if colour == 3 and not any(kind == b"PLTE" for kind, _ in chunks):
        return tr("the PNG image has no palette")
    compressed = b"".join(body for kind, body in chunks if kind == b"IDAT")
    expected = height * (1 + (width * channels * depth + 7) // 8)
    inflater = zlib.decompressobj()
    try:
        pixels = inflater.decompress(compressed, expected + 1)
    except zlib.error:
        return tr("the PNG image's data is damaged")
    if len(pixels) != expected or not inflater.eof or inflater.unconsumed_tail:
        return tr("the PNG image's data does not match its size")
    row = expected // height
    if any(pixels[i] > 4 for i in range(0, expected, row)):  # each scanline starts with its filter, 0-4
        return tr("the PNG image's data is damaged")
    return None


def blank_problem(data: bytes) -> Text | None:
    """Why a PNG that png_problem passed shows nothing drawn, or None: every pixel transparent (a
    canvas cleared or never touched), or every pixel the same colour (a canvas filled white). The
    pixels are decoded by Pillow, in C, after png_problem has bounded their size."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        if image.mode in ("RGBA", "LA", "PA", "P") or "transparency" in image.info:
            image = image.convert("RGBA")
            if image.getextrema()[3][1] == 0:
                return tr("the signature is blank: every pixel is transparent, nothing is drawn")
        extrema = image.getextrema()
        if all(low == high for low, high in (extrema if isinstance(extrema[0], tuple) else (extrema,))):
            return tr("the signature is blank: every pixel has the same colour, nothing is drawn")
    return None


def from_data_url(text: str, field: str) -> bytes:
    """The bytes of a `data:image/png;base64,…` URL (what a canvas gives), or Invalid naming `field`."""
    match = DATA_URL.match(text or "") if len(text or "") <= MAX_SIGNATURE_BYTES * 4 // 3 + 100 else None
    if match is None:
        raise Invalid({field: [tr("the signature must be a drawing sent as a PNG data URL")]})
    try:
        return base64.b64decode(re.sub(r"\s", "", match.group(1)), validate=True)
    except (binascii.Error, ValueError):
        raise Invalid({field: [tr("the signature must be a drawing sent as a PNG data URL")]}) from None


def signature_fields(schema: dict | None) -> list[str]:
    """The form's fields that hold a signature's SHA-256 (`x-signature`)."""
    return [name for name, prop in ((schema or {}).get("properties") or {}).items()
            if isinstance(prop, dict) and prop.get("x-signature") is True]


# -- storing and reading --------------------------------------------------------------------------
def _signing_step(user: User, case: Case) -> Task:
    """The case's ready step whose form takes a signature and that the user may do: a signature is
    stored only for a step waiting for one (no file is kept for a case that asks for none)."""
    forms = procedure_info(case.procedure_version).forms
    ready = db.session.execute(db.select(Task).where(Task.case_id == case.id, Task.state == "ready")
                               .order_by(Task.id)).scalars().all()
    signing = [t for t in ready if t.form_key and signature_fields(forms.get(t.form_key))]
    if not signing:
        raise Conflict(tr("case %(number)s has no open step that takes a signature", number=case.number))
    check_may_act(user, signing[0], case)
    return signing[0]


def store_signature(user: User, case_id: int, data: bytes, field: str = "file") -> tuple[CaseAttachment, bool]:
    """Keep a signature drawn by the party with the case: (the row, whether it is new). The same
    drawing sent again is the row already kept. `field`: the input an error names."""
    case = visible_case(user, case_id)
    step = _signing_step(user, case)
    problem = png_problem(data) or blank_problem(data)
    if problem is not None:
        raise Invalid({field: [problem]}, tr("the signature cannot be kept"))
    sha = hashlib.sha256(data).hexdigest()
    existing = _stored(case.id, sha)
    if existing is not None:
        return existing, False
    now = utcnow()
    row = CaseAttachment(case_id=case.id, kind=SIGNATURE, sha256=sha, media_type=PNG, size=len(data), content=data,
                         stored_by_id=user.id, stored_at=now)
    try:
        with one_transaction():
            db.session.add(row)
            db.session.flush()  # the unique (case, sha256) first: the same drawing sent twice at once
            audit.record("attachment.stored", actor=user, case_id=case.id, task_id=step.id, bpmn_id=step.bpmn_id,
                         at=now, data={"kind": SIGNATURE, "sha256": sha, "media_type": PNG, "size": len(data)})
    except Conflict:
        existing = _stored(case.id, sha)
        if existing is None:
            raise
        return existing, False
    return row, True


def _stored(case_id: int, sha: str) -> CaseAttachment | None:
    return db.session.execute(db.select(CaseAttachment).where(
        CaseAttachment.case_id == case_id, CaseAttachment.sha256 == sha)).scalar_one_or_none()


def read(user: User, case_id: int, sha: str) -> CaseAttachment:
    """A file of a case the user may see, with its bytes."""
    case = visible_case(user, case_id)
    row = _stored(case.id, sha) if SHA256.match(sha or "") else None
    if row is None:
        raise NotFound(tr("case %(id)s has no file %(sha)s", id=case_id, sha=(sha or "")[:64]))
    return row


def content_problem(row: CaseAttachment) -> Text | None:
    """Why a kept file's bytes are not what was stored, or None: they must hash to the SHA-256 the
    row (and the trail's `attachment.stored`) records, be as long as recorded, and be a PNG image.
    The rows are immutable, but whoever reaches the database or its disk can still change them."""
    content = row.content or b""
    if hashlib.sha256(content).hexdigest() != row.sha256 or len(content) != row.size:
        return tr("its bytes do not match the SHA-256 recorded when it was stored (they were changed)")
    if row.media_type != PNG or png_problem(content) is not None:
        return tr("it is not the PNG image that was stored")
    return None


def drawings(case: Case, hashes: set[str]) -> dict[str, bytes]:
    """The signatures of the case named by `hashes`, by SHA-256, each read from storage and checked
    against its hash before a document prints it: a drawing missing or changed refuses the document
    (409 signature_damaged) rather than print something the party did not sign."""
    if not hashes:
        return {}
    rows = {row.sha256: row for row in db.session.execute(
        db.select(CaseAttachment).where(CaseAttachment.case_id == case.id, CaseAttachment.kind == SIGNATURE,
                                        CaseAttachment.sha256.in_(sorted(hashes)))
        .options(db.undefer(CaseAttachment.content))).scalars()}
    found = {}
    for sha in sorted(hashes):
        row = rows.get(sha)
        problem = tr("it is not kept with the case") if row is None else content_problem(row)
        if problem is not None:
            raise Conflict(tr("the signature %(sha)s of case %(number)s cannot be printed: %(reason)s", sha=sha,
                              number=case.number, reason=problem), code="signature_damaged")
        found[sha] = row.content
    return found


def check_signatures(schema: dict | None, data: dict, case: Case) -> None:
    """Each signature the step names is one stored with this case."""
    errors = {}
    for name in signature_fields(schema):
        sha = data.get(name)
        if not isinstance(sha, str):
            continue
        found = db.session.execute(db.select(CaseAttachment.id).where(
            CaseAttachment.case_id == case.id, CaseAttachment.sha256 == sha,
            CaseAttachment.kind == SIGNATURE)).first()
        if found is None:
            errors[name] = [tr("no signature with this SHA-256 is stored with the case: store the drawing first "
                               "(POST /api/v1/cases/%(id)s/signatures)", id=case.id)]
    if errors:
        raise Invalid(errors)
