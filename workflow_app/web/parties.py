"""The parties register's pages: a party's record with its cases, the lookup the new-case page
uses to pick a party, and identifying an anonymous tip's party on its case."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..i18n import beside_fields, localized
from ..services.errors import Conflict, Invalid
from ..services.people import parties
from . import bp

LOOKUP_SIZE = 10  # matches the new-case page offers at once


def matches_for(q: str | None) -> tuple[str, list | None]:
    """The parties matching what was typed (None: nothing typed yet), the first LOOKUP_SIZE."""
    q = parties.parse_query(q)
    if not q:
        return "", None
    return q, parties.search(current_user, q, per_page=LOOKUP_SIZE).items


@bp.get("/parties/lookup")
@login_required
def party_lookup():
    """The matches as a fragment of the new-case page (its script puts it under the search box; the
    page without script asks for the same list with its Find button)."""
    q, found = matches_for(request.args.get("q"))
    return render_template("web/_party_matches.html", q=q, matches=found, chosen=None)


@bp.get("/parties/<id:party_id>")
@login_required
def party_page(party_id: int):
    record = parties.party_record(current_user, party_id)
    return render_template("web/party.html", record=record, party=record.party)


def web_party_errors(errors: dict) -> dict:
    """The service's `party.<field>` as the page's `party_<field>`."""
    return beside_fields({key.replace("party.", "party_", 1): value for key, value in errors.items()})


@bp.post("/cases/<id:case_id>/party")
@login_required
def identify_party(case_id: int):
    """查明当事人 on the case page: a party found in the register, or a new one."""
    form = request.form
    chosen = (form.get("party_id") or "").strip()
    if chosen:
        raw = {"party_id": int(chosen) if chosen.isdigit() and 0 < int(chosen) < 2**31 else None}
    else:
        raw = {name: form.get(f"party_{name}") or None
               for name in ("name", "id_number", "address", "legal_representative", "phone")}
        raw["kind"] = form.get("party_kind")
    try:
        if raw.get("party_id", 0) is None:
            raise Invalid({"party_id": [_("Choose one of the parties found.")]})
        parties.identify_party(current_user, case_id, raw)
    except Invalid as err:
        errors = {f"party_{k}" if not k.startswith("party_") else k: v for k, v in err.errors.items()}
        for field, messages in beside_fields(errors).items():
            for message in messages:
                flash(f"{_field_word(field)}: {message}", "error")
    except Conflict as err:
        flash(localized(err.message), "error")
    else:
        flash(_("The party is identified."), "success")
    return redirect(url_for("web.case_page", case_id=case_id) + "#party-h")


def _field_word(field: str) -> str:
    return {"party_id": _("Party"), "party_name": _("Party name"), "party_kind": _("The party is"),
            "party_id_number": _("ID number or credit code"), "party_address": _("Address"),
            "party_legal_representative": _("Legal representative"), "party_phone": _("Phone")}.get(field, field)
