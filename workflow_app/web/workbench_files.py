"""Every file of a draft, as a package holds it ([8/9]): the list (path, size, the page that edits
it), each file downloaded, a text file (a diagram, a form, a decision table, the rule bindings, the
list of documents) edited as text, a file added or removed.

The other workbench pages edit what a package means in the author's words; this one is the way to
the rest, so that whatever the package format can express the workbench can edit: the rule
bindings' decision clock, a document's entry in documents.json, a file a page does not model. The
same service decides as everywhere (services/procedures/drafts.py: the owner alone changes the draft
while it is edited, on the revision the page showed; each file checked as the API checks it), and
the deploy's checks judge the result on the draft's page.
"""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..services.errors import Invalid, PreconditionFailed, ServiceError
from ..services.procedures import drafts
from . import bp
from .workbench import form_revision, may_edit, said

TEXT_SUFFIXES = (".bpmn", ".json", ".dmn")
MAX_PATH = 300


def _path(raw: str | None) -> str:
    path = (raw or "").strip()
    if not path or len(path) > MAX_PATH or "\x00" in path:
        raise Invalid({"path": [_("name a file of the draft, e.g. bpmn/<id>/rules.json")]})
    return path


@bp.get("/workbench/drafts/<id:draft_id>/files")
@login_required
def workbench_files(draft_id: int):
    draft = drafts.get(current_user, draft_id)
    return render_template("web/workbench_files.html", draft=draft, files=drafts.files_of(draft),
                           main_path=drafts.main_path(draft), may_edit=may_edit(draft), text_suffixes=TEXT_SUFFIXES)


@bp.route("/workbench/drafts/<id:draft_id>/files/text", methods=["GET", "POST"])
@login_required
def workbench_file_text(draft_id: int):
    """One text file of the draft, as text: read by every reader, saved by its owner."""
    draft = drafts.get(current_user, draft_id)
    status, error, stale = 200, None, None
    if request.method == "POST":
        path, text = request.form.get("path"), request.form.get("content", "")
        try:
            path = _path(path)
            draft = drafts.save_file(current_user, draft_id, path, text.replace("\r\n", "\n").encode("utf-8"),
                                     form_revision())
        except PreconditionFailed as err:
            status, error, stale = 412, said(err), drafts.get(current_user, draft_id).revision
        except UnicodeEncodeError:
            status, error = 422, _("the text holds characters that are not Unicode (a lone surrogate)")
        except ServiceError as err:
            status, error = err.status, said(err)
        else:
            flash(_("%(path)s is saved: revision %(revision)d.", path=path, revision=draft.revision), "success")
            return redirect(url_for("web.workbench_file_text", draft_id=draft_id, path=path))
        return render_template("web/workbench_file_text.html", draft=draft, path=path or "", text=text,
                               revision=request.form.get("revision", ""), may_edit=may_edit(draft), error=error,
                               stale=stale), status
    path = _path(request.args.get("path"))
    if not path.endswith(TEXT_SUFFIXES):
        raise Invalid({"path": [_("only a diagram, a decision table or a JSON file is edited as text")]})
    content = drafts.read_file(current_user, draft_id, path)[1]
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text, error, status = content.decode("utf-8", "replace"), _("the file is not UTF-8: what cannot be read is "
                                                                    "shown as �"), 200
    return render_template("web/workbench_file_text.html", draft=draft, path=path, text=text,
                           revision=str(draft.revision), may_edit=may_edit(draft), error=error, stale=None), status


@bp.post("/workbench/drafts/<id:draft_id>/files/new")
@login_required
def workbench_file_new(draft_id: int):
    """A file added to the draft: uploaded, or a new text file by its path (e.g. the rule bindings)."""
    try:
        upload = request.files.get("file")
        path = _path(request.form.get("path") or (f"{request.form.get('folder', '').rstrip('/')}/{upload.filename}"
                                                  if upload and upload.filename else None))
        content = upload.read() if upload and upload.filename else (request.form.get("content") or "").encode("utf-8")
        draft = drafts.save_file(current_user, draft_id, path, content, form_revision())
    except UnicodeEncodeError:
        flash(_("the text holds characters that are not Unicode (a lone surrogate)"), "error")
    except ServiceError as err:
        flash(said(err), "error")
    else:
        flash(_("%(path)s is saved: revision %(revision)d.", path=path, revision=draft.revision), "success")
    return redirect(url_for("web.workbench_files", draft_id=draft_id))


@bp.post("/workbench/drafts/<id:draft_id>/files/remove")
@login_required
def workbench_file_remove(draft_id: int):
    try:
        path = _path(request.form.get("path"))
        draft = drafts.delete_file(current_user, draft_id, path, form_revision())
    except ServiceError as err:
        flash(said(err), "error")
    else:
        flash(_("%(path)s is removed: revision %(revision)d.", path=path, revision=draft.revision), "success")
    return redirect(url_for("web.workbench_files", draft_id=draft_id))
