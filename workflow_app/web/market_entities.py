"""The register of market entities page (市场主体名录): search by name or credit code, filter by
industry, risk grade and region; an administrator uploads a CSV file on the same page, and a
refused file comes back with every wrong line named by its number (nothing imported: the
service's rule, services/registers/market_entities.py)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..i18n import localized, localized_errors
from ..services.errors import Forbidden, Invalid
from ..services.registers import market_entities
from . import bp
from .views import _per_page_arg


def _page(errors: dict | None = None, message: str | None = None, status: int = 200):
    args = request.args
    try:
        page = market_entities.search(args.get("q"), args.get("industry") or None, args.get("risk_grade") or None,
                                      args.get("region") or None, after=args.get("after") or None,
                                      per_page=_per_page_arg(args, market_entities.PAGE_SIZE))
        filter_errors = {}
    except Invalid as err:
        page, filter_errors = None, err.errors
    return render_template("web/market_entities.html", page=page, entities=page.items if page else [], args=args,
                           industries=market_entities.INDUSTRIES, risk_grades=market_entities.RISK_GRADES,
                           filter_errors=localized_errors(filter_errors), import_errors=localized_errors(errors or {}),
                           import_message=message,
                           may_import=current_user.has_role("admin")), status


@bp.get("/market-entities")
@login_required
def market_entity_list():
    return _page()


@bp.post("/market-entities/import")
@login_required
def market_entity_import():
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise Invalid({"file": [_("choose a CSV file")]}, _("Nothing was imported."))
        created, updated = market_entities.import_csv(upload.read(), current_user)
    except Invalid as err:
        return _page(err.errors, localized(err.message), 422)
    except Forbidden as err:
        return _page({"file": [localized(err.message)]}, localized(err.message), 403)
    flash(_("Market entities imported: %(created)d added, %(updated)d updated.", created=created, updated=updated),
          "success")
    return redirect(url_for("web.market_entity_list"))
