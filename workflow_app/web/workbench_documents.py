"""A draft's Word documents in the workbench ([8/9]): the list its documents.json declares, each
template to download, an upload of a changed template or of a new document with its entry, and a
preview filled from the forms' examples, shown as the print page shows a document.

Thin like the other pages: services/procedures/draft_documents.py decides who may change what on
which revision and checks a template before it is accepted (the API's PUT the same way);
services/cases/document_previews.py fills the preview with the renderer of a case's documents.
An upload refused (a stale revision, a template naming a field its form lacks) shows the page again
with the reasons beside the form and what was typed kept; nothing was saved.
"""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..i18n import localized
from ..services.cases import document_previews, documents
from ..services.errors import Invalid, PreconditionFailed, ServiceError
from ..services.procedures import draft_documents, drafts
from . import bp
from .workbench import form_revision, may_edit

WORD = documents.FORMATS["docx"]




def _page(draft_id: int, *, errors: dict | None = None, failed: str | None = None, typed: dict | None = None,
          conflict: str | None = None, status: int = 200):
    found = draft_documents.documents(current_user, draft_id)
    preview, preview_error = None, None
    kind = request.args.get("preview")
    if kind and request.method == "GET":
        try:
            preview = document_previews.preview(current_user, draft_id, kind)
        except ServiceError as err:
            preview_error, status = localized(err.message), err.status
    return render_template("web/workbench_documents.html", found=found, draft=found.draft,
                           may_edit=may_edit(found.draft), preview=preview, preview_kind=kind,
                           preview_error=preview_error, errors=errors or {}, failed=failed, typed=typed or {},
                           conflict=conflict, status_words=drafts.status_words, word_type=WORD), status


@bp.get("/workbench/drafts/<id:draft_id>/documents")
@login_required
def workbench_documents(draft_id: int):
    return _page(draft_id)


@bp.get("/workbench/drafts/<id:draft_id>/documents/template")
@login_required
def workbench_document_template(draft_id: int):
    """A template of the draft, byte for byte, as a download."""
    path = request.args.get("path", "")
    draft, content = draft_documents.template(current_user, draft_id, path)
    name = path.rsplit("/", 1)[-1]
    return current_app.response_class(content, mimetype=WORD, headers={
        "Content-Disposition": documents.content_disposition("attachment", name, name.encode("ascii", "replace")
                                                             .decode("ascii").replace("?", "_")),
        "ETag": f'"draft-r{draft.revision}"', "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


@bp.get("/workbench/drafts/<id:draft_id>/documents/<kind>/preview.docx")
@login_required
def workbench_document_preview(draft_id: int, kind: str):
    """The preview as a filled .docx (nothing stored, numbered or traced)."""
    draft = drafts.get(current_user, draft_id)
    found = document_previews.preview(current_user, draft_id, kind)
    return current_app.response_class(found.word, mimetype=WORD, headers={
        "Content-Disposition": documents.content_disposition("attachment", found.filename(draft.process_id, "docx"),
                                                             f"draft-{draft_id}-{kind}-sample.docx"),
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


def _upload(limit: int) -> bytes:
    """The chosen file's bytes (at most one byte past `limit`, which the service refuses)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid({"file": [_("Choose a Word file (.docx).")]})
    return upload.stream.read(limit + 1)


def _refused(draft_id: int, failed: str, typed: dict, call):
    """One of the page's upload forms: saved, or the page again with why (nothing saved)."""
    try:
        call()
    except PreconditionFailed as err:
        now = (err.details or {}).get("revision")
        return _page(draft_id, failed=failed, typed=typed, status=err.status, conflict=_(
            "Someone else saved this draft first (it is now revision %(revision)s). Your file was NOT saved and "
            "nothing of theirs was overwritten: look at the list as it is now, then choose your file again.",
            revision=now if now is not None else "?"))
    except Invalid as err:
        said = {field: [localized(m) for m in messages] for field, messages in err.errors.items()}
        if err.code != Invalid.code:
            said.setdefault("_", []).insert(0, localized(err.message))
        count = (err.details or {}).get("problem_count")
        if count:
            said["_"] = [_("The template was not accepted: %(count)d problem(s), each with its place in the template. "
                           "Nothing was saved.", count=count)]
        return _page(draft_id, errors=said, failed=failed, typed=typed, status=err.status)
    return None


@bp.post("/workbench/drafts/<id:draft_id>/documents/replace")
@login_required
def workbench_document_replace(draft_id: int):
    path = request.form.get("path", "")
    typed = {"path": path}
    limit = current_app.config["BPMN_MAX_BYTES"]
    refused = _refused(draft_id, "replace", typed, lambda: draft_documents.replace_template(
        current_user, draft_id, path, _upload(limit), form_revision()))
    if refused is not None:
        return refused
    flash(_("The template %(file)s is saved: the draft is at a new revision.", file=path.rsplit("/", 1)[-1]),
          "success")
    return redirect(url_for("web.workbench_documents", draft_id=draft_id))


@bp.post("/workbench/drafts/<id:draft_id>/documents/new")
@login_required
def workbench_document_new(draft_id: int):
    typed = {"kind": (request.form.get("kind") or "").strip(), "title": request.form.get("title") or "",
             "step": request.form.get("step") or "", "filled_in_by": request.form.getlist("filled_in_by")}
    limit = current_app.config["BPMN_MAX_BYTES"]
    refused = _refused(draft_id, "new", typed, lambda: draft_documents.add_document(
        current_user, draft_id, form_revision(), kind=typed["kind"], title=typed["title"], steps=typed["step"],
        filled_in_by=typed["filled_in_by"], content=_upload(limit)))
    if refused is not None:
        return refused
    flash(_("The document %(title)s is added with its template: the draft is at a new revision.",
            title=typed["title"].strip()), "success")
    return redirect(url_for("web.workbench_documents", draft_id=draft_id, preview=typed["kind"]) + "#preview")


@bp.post("/workbench/drafts/<id:draft_id>/documents/<kind>/edit")
@login_required
def workbench_document_edit(draft_id: int, kind: str):
    typed = {"kind": kind, "title": request.form.get("title") or "", "step": request.form.getlist("step"),
             "filled_in_by": request.form.getlist("filled_in_by")}
    failed = f"edit-{kind}"
    refused = _refused(draft_id, failed, typed, lambda: draft_documents.change_document(
        current_user, draft_id, form_revision(), kind, title=typed["title"], steps=typed["step"],
        filled_in_by=typed["filled_in_by"]))
    if refused is not None:
        return refused
    flash(_("The document %(title)s is changed: the draft is at a new revision.", title=typed["title"].strip()),
          "success")
    return redirect(url_for("web.workbench_documents", draft_id=draft_id) + f"#document-{kind}")


@bp.post("/workbench/drafts/<id:draft_id>/documents/<kind>/remove")
@login_required
def workbench_document_remove(draft_id: int, kind: str):
    refused = _refused(draft_id, f"edit-{kind}", {"kind": kind}, lambda: draft_documents.remove_document(
        current_user, draft_id, form_revision(), kind))
    if refused is not None:
        return refused
    flash(_("The document %(kind)s is taken out of the list: the draft is at a new revision.", kind=kind), "success")
    return redirect(url_for("web.workbench_documents", draft_id=draft_id))
