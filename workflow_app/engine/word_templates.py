"""Word templates (docxtpl: Jinja inside a .docx) rendered from a case's record.

A package's document templates are written by its authors and legal staff, in Word or WPS, so a
template is code from outside, as a script is, and is bounded the same way (limits.py):

* the language layer: Jinja's immutable sandbox, where an attribute reaching Python's internals
  (`''.__class__`, `x.__globals__`, anything starting with `_`) is refused, nothing recorded can
  be changed, and a rendering stops with a clear message once its output passes
  MAX_OUTPUT_CHARS, its CPU time its budget, or a `range` its length;
* the OS layer: a document renders in an engine worker (worker.py, op "document"), under the
  worker's RLIMIT_CPU and RLIMIT_AS and the pool's wall-clock limit, so whatever a template does
  (a loop over a loop that prints nothing) cannot hold the web process.

The late fee a date runs to (`|late_fee`) is the system's (oversight/late_fee.py), on the fine,
service date and deferral the service read from the case's record through the procedure's own
binding of the rule that checks it (services/cases/late_fees.py): a template names only the date.

A signature drawn on the screen prints as its image (`|signature`): the service hands the worker
the drawings the case's record names, already read from the case's attachments and checked against
their SHA-256 (services/evidence/attachments.py); a template names a drawing by its hash and can reach no
other file, and the image is placed at a bounded size.

What a template sees (its context, filters and tests) is documented for its authors in
docs/documents.md; services/cases/documents.py builds the context.
"""
import html
import io
import math
import re
import struct
import threading
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from docx.oxml import parse_xml
from docx.shared import Emu, Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import ChainableUndefined, TemplateError, TemplateSyntaxError, Undefined, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup

from ..messages import Text, tr
from ..oversight import calendar
from ..oversight.deadlines import form_day, form_instant
from ..oversight.late_fee import late_fee as computed_late_fee
from . import template_fields
from .errors import EngineError, bounded_text

MAX_OUTPUT_CHARS = 4_000_000  # the XML of one part of the document (its body, a header …)
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
MAX_RANGE = 10_000
MAX_PERIOD_DAYS = 3660  # a period counted by a filter: the law's are far shorter
# A template is a .docx (a zip): what it may unpack to, checked before it is read.
MAX_TEMPLATE_ENTRIES = 500
MAX_TEMPLATE_UNPACKED = 32 * 1024 * 1024
MAX_TEMPLATE_RATIO = 200
# The drawings one document may print (a case's signatures), and how large each prints.
MAX_IMAGES = 16
MAX_IMAGE_BYTES = 512 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SIGNATURE_WIDTH_MM = (10, 120)
SIGNATURE_DEFAULT_WIDTH_MM = 50
SIGNATURE_MAX_HEIGHT_MM = 30
# Fixed zip entry times and core properties: the same record gives the same bytes (and hash).
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIXED_CORE_TIME = datetime(2000, 1, 1, tzinfo=UTC)
# Characters XML 1.0 cannot hold (a recorded text may have one): left out of the document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CTX_NAMES = ("case", "authority", "department", "document", "forms", "labels", "steps", "step", "evidence_list",
              "officers")
CONTEXT_NAMES = frozenset(_CTX_NAMES)

_budget = threading.local()
_rendering = threading.local()  # the document being filled, the drawings it may print, its late fee's basis


class DocumentError(EngineError):
    """A template could not be rendered (broken, refused by the sandbox, or over its limits)."""


# -- what a template prints -----------------------------------------------------------------------
def text(value) -> str:
    """A value as a document prints it: nothing for nothing, 是/否 for a yes/no, 20000 for
    20000.0, a list joined with 、; a line break stays one (a break in the line)."""
    if value is None or value == "" or isinstance(value, Undefined):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (list, tuple)):
        return "、".join(text(v) for v in value)
    if isinstance(value, Markup):
        return value
    return _NOT_XML.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n"))


def filled(value) -> bool:
    """`{%tr if x is filled %}`: the value prints as something (a row with nothing is left out)."""
    return text(value) != ""


def _day(value) -> date | None:
    """A recorded date, or the Beijing date of a recorded date and time."""
    return form_day(value) if isinstance(value, str) and value else None


def date_cn(value) -> str:
    """2026-09-03 → 2026年9月3日; a date and time → 2026年9月3日10时30分, Beijing time (anything
    else as it is)."""
    at = form_instant(value) if isinstance(value, str) and "T" in value else None
    if at is not None:
        local = at.astimezone(calendar.LOCAL_TZ)
        return f"{local.year}年{local.month}月{local.day}日{local.hour}时{local.minute:02d}分"
    day = _day(value)
    return f"{day.year}年{day.month}月{day.day}日" if day else text(value)


def day(value) -> str:
    """The Beijing date of a recorded date and time (2026-09-03T23:30:00+08:00 → 2026-09-03), a
    date as it is; nothing for anything else: `{{ seizure.taken_at|day|date_cn }}`."""
    found = _day(value)
    return found.isoformat() if found else ""


def _period(days) -> int:
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_PERIOD_DAYS:
        raise SecurityError(f"a period is a whole number of days from 0 to {MAX_PERIOD_DAYS}")
    return days


def working_days_after(value, days) -> str:
    """The `days`-th working day after a recorded date (APL Art. 85: holidays do not count,
    adjusted working days do), as a date (2026-09-10); nothing for no date."""
    day = _day(value)
    return calendar.working_days_after(day, _period(days)).isoformat() if day else ""


def days_after(value, days) -> str:
    """The date `days` calendar days after a recorded date; nothing for no date."""
    day = _day(value)
    return (day + timedelta(days=_period(days))).isoformat() if day else ""


def yuan(value) -> str:
    """20000 → 20000元; nothing for no amount."""
    return f"{text(value)}元" if filled(value) else ""


def signature(value, width_mm=SIGNATURE_DEFAULT_WIDTH_MM):
    """`{{ summary_service.party_signature|signature(40) }}`: the drawing whose SHA-256 the field
    records, `width_mm` wide (10-120) and at most SIGNATURE_MAX_HEIGHT_MM tall, its proportions
    kept; nothing for no signature. Only the drawings the case's record names are there to print."""
    if not filled(value):
        return ""
    drawing = getattr(_rendering, "images", {}).get(value) if isinstance(value, str) else None
    if drawing is None:
        raise SecurityError(f"no signature of the case's record has the SHA-256 {text(value)[:64]!r}")
    low, high = SIGNATURE_WIDTH_MM
    if not isinstance(width_mm, (int, float)) or isinstance(width_mm, bool) or not low <= width_mm <= high:
        raise SecurityError(f"a signature prints {low} to {high} mm wide")
    pixels_wide, pixels_high = struct.unpack(">II", drawing[16:24])
    width, height = Mm(width_mm), Mm(width_mm) * pixels_high // pixels_wide
    if height > Mm(SIGNATURE_MAX_HEIGHT_MM):
        width, height = Mm(SIGNATURE_MAX_HEIGHT_MM) * pixels_wide // pixels_high, Mm(SIGNATURE_MAX_HEIGHT_MM)
    image = InlineImage(_rendering.document, io.BytesIO(drawing), width=Emu(max(width, 1)), height=Emu(max(height, 1)))
    return Markup(image._insert_image())  # the run's XML, which docxtpl's own InlineImage prints as well


def late_fee(value):
    """`{% set fee = execution.demand_served_on|late_fee %}`: the late fee (加处罚款, APL 72) the
    system counts on the case's fine to that date, as {amount, days, first_day, counted_to, capped,
    fine} (yuan; ISO dates); nothing for no date, and where none is counted (no fine decided and
    served, an approved deferral or instalment plan)."""
    basis, day = getattr(_rendering, "late_fee", None), _day(value)
    if not basis or day is None:
        return ""
    fee = computed_late_fee(basis["fine"], date.fromisoformat(basis["served_on"]), day,
                            plan_approved=basis["plan_approved"])
    if fee is None:
        return ""
    return {"amount": fee.yuan, "days": fee.days, "first_day": fee.first_day.isoformat(),
            "counted_to": fee.counted_to.isoformat(), "capped": fee.capped, "fine": basis["fine"]}


def _late_fee_problem(basis) -> Text | None:
    """Why the late fee's basis the service handed over cannot be counted on, or None."""
    if basis is None:
        return None
    fine, served = (basis.get("fine"), basis.get("served_on")) if isinstance(basis, dict) else (None, None)
    if not isinstance(fine, int | float) or isinstance(fine, bool) or not math.isfinite(fine) or fine <= 0 \
            or _day(served) is None or not isinstance(basis.get("plan_approved"), bool):
        return tr("the late fee's basis is not a fine, a service date and whether a plan was approved")
    return None


def _drawings_problem(images: dict) -> Text | None:
    """Why the drawings the service handed over cannot be printed (each a PNG within the limits)."""
    if len(images) > MAX_IMAGES:
        return tr("a document prints at most %(limit)d signatures", limit=MAX_IMAGES)
    for sha, drawing in images.items():
        if not isinstance(drawing, bytes) or len(drawing) > MAX_IMAGE_BYTES or not drawing.startswith(PNG_MAGIC) \
                or drawing[12:16] != b"IHDR" or 0 in struct.unpack(">II", drawing[16:24]):
            return tr("the signature %(sha)s is not a PNG image within %(limit)d bytes", sha=str(sha)[:64],
                      limit=MAX_IMAGE_BYTES)
    return None


def _range(*args):
    """range() of at most MAX_RANGE numbers, checking the budget as it goes."""
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise SecurityError(f"a range may have at most {MAX_RANGE} numbers")
    for i, n in enumerate(numbers):
        if not i % 256:
            _check_time()
        yield n


def _check_time() -> None:
    if time.thread_time() > getattr(_budget, "deadline", math.inf):
        raise SecurityError("the template used more than its CPU time")


class _Environment(ImmutableSandboxedEnvironment):
    """The sandbox documents render in. A recorded field is read before a method of the same name
    (`decision.items` is the field `items`, not dict.items); an unsafe attribute stops the
    rendering (Jinja's sandbox would print nothing); every piece of output counts against
    MAX_OUTPUT_CHARS and the CPU budget."""

    def getattr(self, obj, attribute):
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def unsafe_undefined(self, obj, attribute):
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe")

    def concat(self, chunks) -> str:
        out, size = [], 0
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise SecurityError(f"the template's output passed {MAX_OUTPUT_CHARS} characters")
            out.append(chunk)
            if len(out) % 256 == 0:
                _check_time()
        return "".join(out)


_FILTERS = {"date_cn": date_cn, "day": day, "working_days_after": working_days_after, "days_after": days_after, "yuan": yuan,
            "signature": signature, "late_fee": late_fee}


def environment() -> _Environment:
    env = _Environment(autoescape=True, undefined=ChainableUndefined, finalize=text)
    env.filters.update(_FILTERS)
    env.tests["filled"] = filled
    env.globals["range"] = _range
    return env


# -- rendering (in an engine worker) -----------------------------------------------------------------
def render(template: bytes, context: dict, *, title: str, author: str, cpu_seconds: float = 2.0,
           images: dict[str, bytes] | None = None, late_fee_basis: dict | None = None) -> bytes:
    """The .docx of `template` filled from `context`: the same context, the same bytes. `images`:
    the drawings `|signature` may print, by SHA-256 (checked against it by the service);
    `late_fee_basis`: what `|late_fee` counts on ({"fine", "served_on", "plan_approved"}), None
    where the case has no fine decided and served."""
    problem = archive_problem(template) or _drawings_problem(images or {}) or _late_fee_problem(late_fee_basis)
    if problem:
        raise DocumentError(problem)
    _budget.deadline = time.thread_time() + cpu_seconds
    try:
        document = DocxTemplate(io.BytesIO(template))
        _rendering.document, _rendering.images = document, dict(images or {})
        _rendering.late_fee = late_fee_basis
        document.render(context, environment(), autoescape=True)
        props = document.docx.core_properties
        props.title, props.author, props.last_modified_by = title, author, author
        props.created = props.modified = props.last_printed = _FIXED_CORE_TIME
        props.revision = 1
        raw = io.BytesIO()
        document.save(raw)
    except (TemplateError, RecursionError) as err:
        raise DocumentError(tr("the template cannot be rendered: %(reason)s", reason=_reason(err))) from None
    except (ValueError, KeyError, TypeError, zipfile.BadZipFile) as err:  # a broken .docx, XML the output broke
        raise DocumentError(tr("the template cannot be rendered: %(reason)s", reason=_reason(err))) from None
    except MemoryError:  # the worker's RLIMIT_AS; "MemoryError" in the message has the pool replace the worker
        raise DocumentError(tr("the template cannot be rendered: %(reason)s", reason="out of memory (MemoryError)")
                            ) from None
    finally:
        _budget.deadline = math.inf
        _rendering.document, _rendering.images, _rendering.late_fee = None, {}, None
    content = fixed_zip(raw.getvalue())
    if len(content) > MAX_DOCUMENT_BYTES:
        raise DocumentError(tr("the document is %(size)d bytes; the limit is %(limit)d", size=len(content),
                               limit=MAX_DOCUMENT_BYTES))
    return content


def _reason(err: BaseException) -> str:
    return f"{bounded_text(getattr(err, 'message', None) or err)} ({type(err).__name__})"


def fixed_zip(data: bytes) -> bytes:
    """python-docx stamps each zip entry with the current time; rewrite them with a fixed one."""
    source = zipfile.ZipFile(io.BytesIO(data))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(zipfile.ZipInfo(info.filename, _FIXED_ZIP_TIME), source.read(info.filename),
                            compress_type=zipfile.ZIP_DEFLATED)
    return result.getvalue()


# -- checking a template (at deploy) -------------------------------------------------------------------
def archive_problem(template: bytes) -> Text | None:
    """Why the .docx cannot be opened safely (not a zip, too many entries, unpacking too large or
    compressed like a bomb), or None."""
    try:
        entries = zipfile.ZipFile(io.BytesIO(template)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as err:
        return tr("the template is not a Word document (.docx): %(reason)s", reason=bounded_text(err))
    if len(entries) > MAX_TEMPLATE_ENTRIES:
        return tr("the template holds %(count)d parts; the limit is %(limit)d", count=len(entries),
                  limit=MAX_TEMPLATE_ENTRIES)
    total = sum(e.file_size for e in entries)
    if total > MAX_TEMPLATE_UNPACKED:
        return tr("the template unpacks to %(size)d bytes; the limit is %(limit)d", size=total,
                  limit=MAX_TEMPLATE_UNPACKED)
    if any(e.compress_size and e.file_size / e.compress_size > MAX_TEMPLATE_RATIO for e in entries):
        return tr("the template is compressed more than %(ratio)d to 1; such a file is refused", ratio=MAX_TEMPLATE_RATIO)
    return None


@dataclass(frozen=True)
class Part:
    """One part of a template docxtpl renders: its Jinja source as docxtpl prepares it (each
    paragraph on a line of its own, so a tag's line is its paragraph) and what a problem calls it."""

    name: Text
    source: str

    def excerpt(self, line: int | None, *needles: str | None) -> str:
        """The words around the first of `needles` found in the paragraph of `line` (tags and all,
        as the author wrote them), else the paragraph's start."""
        lines = self.source.split("\n")
        if line is None or not 0 < line <= len(lines):
            return ""
        text = " ".join(html.unescape(_XML_TAG.sub("", lines[line - 1])).split())
        for needle in needles:
            at = text.find(needle) if needle else -1
            if at >= 0:
                begin, end = max(at - EXCERPT_CHARS, 0), min(at + len(needle) + EXCERPT_CHARS, len(text))
                return ("…" if begin else "") + text[begin:end] + ("…" if end < len(text) else "")
        return text if len(text) <= 2 * EXCERPT_CHARS else text[:2 * EXCERPT_CHARS] + "…"


EXCERPT_CHARS = 24
_XML_TAG = re.compile(r"<[^>]*>")


def parts(template: bytes) -> list[Part]:
    """The parts docxtpl renders (body, headers, footers, footnotes, core properties), each with
    the Jinja source docxtpl renders: patched as docxtpl patches it, a paragraph per line."""
    document = DocxTemplate(io.BytesIO(template))
    docx = document.get_docx()

    def lined(xml: str) -> str:  # as DocxTemplate.render_xml_part does before it renders
        return re.sub(r"<w:p([ >])", r"\n<w:p\1", document.patch_xml(xml))

    found = [Part(tr("the body"), lined(document.get_xml()))]
    for uri, name in ((document.HEADER_URI, tr("a header")), (document.FOOTER_URI, tr("a footer"))):
        for _key, part in document.get_headers_footers(uri):
            found.append(Part(name, lined(document.xml_to_string(parse_xml(part.blob)))))
    for part in docx.part.package.parts:
        if part.content_type.endswith(".footnotes+xml"):
            found.append(Part(tr("the footnotes"), lined(part.blob.decode("utf-8"))))
    props = docx.core_properties
    found += [Part(tr("the document's property %(name)s", name=name), getattr(props, name) or "")
              for name in ("author", "comments", "identifier", "language", "subject", "title")]
    return found


def sources(template: bytes) -> list[str]:
    """The Jinja source of each part docxtpl renders (body, headers, footers, footnotes, core
    properties), as docxtpl prepares it."""
    return [part.source for part in parts(template)]


MAX_PROBLEMS = 100


def problems(template: bytes, forms: set[str] | Mapping[str, dict],
             steps: Mapping[str, str | None] | None = None) -> list[Text]:
    """What is wrong with a template, each problem with its place (the part and the words around
    it): it cannot be opened, it is not Jinja (a syntax error, an unknown filter), it reaches for
    an attribute the sandbox refuses, it names something that is neither a name of the context
    nor one of the package's forms, or (given the forms' schemas, and the steps: bpmn id -> form
    key) a field the form, or the context, does not have (template_fields.py). Nothing of the
    template runs here."""
    problem = archive_problem(template)
    if problem:
        return [problem]
    try:
        found_parts = parts(template)
    except Exception as err:  # noqa: BLE001 - python-docx's and lxml's errors of a broken file are many
        return [tr("the template cannot be read as a Word document: %(reason)s", reason=bounded_text(err))]
    schemas = forms if isinstance(forms, Mapping) else None
    env, found = environment(), []
    known = CONTEXT_NAMES | set(forms) | set(env.globals)
    for part in found_parts:
        try:
            tree = env.parse(part.source)
            env.compile(tree)  # an unknown filter or test is refused when compiled
        except TemplateSyntaxError as err:
            found.append(_placed(part, err.lineno, None, _unclosed(part, err.lineno) or tr(
                "the template is not valid Jinja: %(reason)s", reason=_reason(err))))
            continue
        except TemplateError as err:
            found.append(_placed(part, _line_of_call(env, part.source), None,
                                 tr("the template is not valid Jinja: %(reason)s", reason=_reason(err))))
            continue
        for node in _first_each(n for n in [*tree.find_all(nodes.Filter), *tree.find_all(nodes.Test)]
                                if n.name not in (env.filters if isinstance(n, nodes.Filter) else env.tests)):
            call = f"|{node.name}" if isinstance(node, nodes.Filter) else f"is {node.name}"
            # Jinja leaves those in a branch to fail when the branch runs
            found.append(_placed(part, node.lineno, node.name, tr(
                "the template uses %(names)s, which no template has (filters: %(filters)s)", names=call,
                filters=", ".join(sorted(_FILTERS)))))
        unsafe = [(n, n.attr) for n in tree.find_all(nodes.Getattr) if n.attr.startswith("_")] + \
                 [(n, str(n.arg.value)) for n in tree.find_all(nodes.Getitem)
                  if isinstance(n.arg, nodes.Const) and str(n.arg.value).startswith("_")]
        if unsafe:
            names = ", ".join(sorted({name for _, name in unsafe}))
            node, name = min(unsafe, key=lambda item: item[0].lineno)
            found.append(_placed(part, node.lineno, name, tr(
                "the template reaches for %(names)s, which a template may not (names starting with _)", names=names)))
            continue
        unknown = meta.find_undeclared_variables(tree) - known
        for node in _first_each(n for n in tree.find_all(nodes.Name) if n.ctx == "load" and n.name in unknown):
            found.append(_placed(part, node.lineno, node.name, tr(
                "the template names %(names)s, which is neither a form of the package nor a name of the document "
                "context (%(context)s)", names=node.name, context=", ".join(_CTX_NAMES))))
        if schemas is not None:
            for item in template_fields.problems(tree, schemas, steps, CONTEXT_NAMES):
                found.append(_placed(part, item.line, item.needle, item.message, item.reference))
        if len(found) >= MAX_PROBLEMS:
            break
    return _unique(found)[:MAX_PROBLEMS]


def _first_each(found) -> list:
    """The nodes in the order of the source, each name once per line."""
    seen, out = set(), []
    for node in sorted(found, key=lambda n: n.lineno):
        key = (node.name, node.lineno)
        if key not in seen:
            seen.add(key)
            out.append(node)
    return out


def _unique(found: list[Text]) -> list[Text]:
    seen, out = set(), []
    for message in found:
        if str(message) not in seen:
            seen.add(str(message))
            out.append(message)
    return out


def _unclosed(part: Part, line: int | None) -> Text | None:
    """A syntax error that is a tag opened and not closed in its paragraph (`{{ case.number`),
    said so: Jinja itself would name the XML that follows (unexpected '/')."""
    lines = part.source.split("\n")
    if line is None or not 0 < line <= len(lines):
        return None
    text = html.unescape(_XML_TAG.sub("", lines[line - 1]))
    for opened, closed in (("{{", "}}"), ("{%", "%}")):
        if text.count(opened) > text.count(closed):
            return tr("the template is not valid Jinja: a tag opened with %(opened)s is not closed with %(closed)s in "
                      "its paragraph", opened=opened, closed=closed)
    return None


def _line_of_call(env, source: str) -> int | None:
    """The line of the first tag that fails to compile on its own (an unknown filter), if any."""
    for number, line in enumerate(source.split("\n"), start=1):
        for tag in re.findall(r"\{\{.*?\}\}", line):
            try:
                env.compile(env.parse(html.unescape(_XML_TAG.sub("", tag))))
            except TemplateError:
                return number
    return None


def _placed(part: Part, line: int | None, needle: str | None, problem: Text, reference: str | None = None) -> Text:
    """A problem with its place: the part of the template and the words around it."""
    excerpt = part.excerpt(line, reference, needle)
    if reference:
        problem = tr("%(reference)s: %(problem)s", reference=reference, problem=problem)
    if excerpt:
        return tr("%(part)s, at “%(excerpt)s”: %(problem)s", part=part.name, excerpt=excerpt, problem=problem)
    return tr("%(part)s: %(problem)s", part=part.name, problem=problem)
