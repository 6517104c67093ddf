"""The case's evidence list (证据清单) as pages: the list with its upload form, one item with its
preview and its withdrawal, the bytes and the thumbnails. The service (services/evidence/items.py)
decides; the page shows. Uploads work as a plain form (several files at once, all or none); with
script on, static/evidence-upload.js sends each file on its own with a progress bar."""
from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..i18n import beside_fields, localized
from ..services.errors import Conflict, Invalid
from ..services.evidence import items as evidence
from ..strict_input import large_upload
from ..wall_clock import local_today
from . import bp
from .views import _per_page_arg


def _page(case_id: int, errors: dict | None = None, status: int = 200, form=None):
    """A page of the list (`after`: the cursor of the page's link, `per_page`: its length) with the
    upload form."""
    listing = evidence.list_page(current_user, case_id, after=request.args.get("after") or None,
                                 per_page=_per_page_arg(request.args, evidence.PAGE_SIZE))
    case = listing.case
    steps = evidence.steps_of(case) if _may_add(case) else []
    return render_template("web/evidence.html", case=case, listing=listing, page=listing.page,
                           counts=evidence.counts(case), args=request.args, errors=errors or {}, form=form or {},
                           kinds={code: localized(name) for code, name in evidence.KINDS.items()},
                           may_add=_may_add(case), steps=steps,
                           max_mb=evidence.max_bytes() // (1024 * 1024), today=local_today(),
                           thumbnailed=evidence.THUMBNAILED,
                           accept=",".join(sorted(evidence.ACCEPTED))), status


def _may_add(case) -> bool:
    return current_user.has_role("officer") and case.closed_at is None


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@bp.get("/cases/<id:case_id>/evidence")
@login_required
def evidence_list(case_id: int):
    return _page(case_id)


@bp.post("/cases/<id:case_id>/evidence")
@large_upload("EVIDENCE_MAX_BYTES")
@login_required
def evidence_upload(case_id: int):
    """One file or several (the plain form): each kept as an item; a refused file stops the rest
    and is named with its reason."""
    uploads = [u for u in request.files.getlist("file") if u.filename]
    try:
        if not uploads:
            raise Invalid({"file": [_("choose at least one file")]})
        description = evidence.description_from_form(request.form)
        added = []
        for upload in uploads:
            try:
                item, created = evidence.store(current_user, case_id, upload.stream, upload.filename, description)
            except Invalid as err:
                if "file" in err.errors:
                    err.errors["file"] = [f"{evidence.clean_filename(upload.filename)}: {localized(m)}"
                                          for m in err.errors["file"]]
                raise
            added.append((item, created))
    except (Invalid, Conflict) as err:
        errors = beside_fields(err.errors) if isinstance(err, Invalid) and err.errors else {
            "file": [localized(err.message)]}
        if _wants_json():
            return jsonify({"message": localized(err.message), "errors": errors}), err.status
        return _page(case_id, errors, err.status, form=request.form)
    # the list from the page that shows the first file sent (a long list's newest items are on its last page)
    shown_at = url_for("web.evidence_list", case_id=case_id, after=evidence.page_from(added[0][0]))
    if _wants_json():
        item, created = added[0]
        return jsonify({"id": item.id, "created": created, "list": shown_at,
                        "url": url_for("web.evidence_item", case_id=case_id, evidence_id=item.id)}), 201
    new = sum(1 for _item, created in added if created)
    flash(_("%(n)s file(s) added to the evidence list.", n=new) if new == len(added) else
          _("%(n)s file(s) added; %(same)s already on the list.", n=new, same=len(added) - new), "success")
    return redirect(shown_at)


@bp.get("/cases/<id:case_id>/evidence/<id:evidence_id>")
@login_required
def evidence_item(case_id: int, evidence_id: int):
    item = evidence.get(current_user, case_id, evidence_id)
    return render_template("web/evidence_item.html", case=item.case, item=item, kinds=evidence.KINDS,
                           may_withdraw=_may_add(item.case) and item.withdrawal is None,
                           inline=evidence.inline(item), errors={})


@bp.post("/cases/<id:case_id>/evidence/<id:evidence_id>/withdraw")
@login_required
def evidence_withdraw(case_id: int, evidence_id: int):
    try:
        evidence.withdraw(current_user, case_id, evidence_id, request.form.get("reason", ""))
    except (Invalid, Conflict) as err:
        item = evidence.get(current_user, case_id, evidence_id)
        errors = beside_fields(err.errors) if isinstance(err, Invalid) and err.errors else {
            "reason": [localized(err.message)]}
        return render_template("web/evidence_item.html", case=item.case, item=item, kinds=evidence.KINDS,
                               may_withdraw=item.withdrawal is None and _may_add(item.case),
                               inline=evidence.inline(item), errors=errors), err.status
    flash(_("The item is withdrawn; it stays on the list, marked withdrawn."), "success")
    return redirect(url_for("web.evidence_item", case_id=case_id, evidence_id=evidence_id))


@bp.get("/cases/<id:case_id>/evidence/<id:evidence_id>/content")
@login_required
def evidence_content(case_id: int, evidence_id: int):
    return evidence.send(evidence.get(current_user, case_id, evidence_id), download=request.args.get("download") == "1")


@bp.get("/cases/<id:case_id>/evidence/<id:evidence_id>/thumbnail.jpg")
@login_required
def evidence_thumbnail(case_id: int, evidence_id: int):
    path = evidence.thumbnail(evidence.get(current_user, case_id, evidence_id))
    if path is None:
        abort(404)
    response = send_file(path, mimetype="image/jpeg", conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
