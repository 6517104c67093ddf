"""Referrals sent by the justice bureau's supervision through the API (执法监督移送线索,
services/cases/referrals.py `refer_by_supervision`); a referral's own view from each of its cases is
GET /cases/{id}/referrals (api/routes.py)."""
from flask import g, jsonify, url_for
from marshmallow import Schema, fields
from marshmallow.validate import Length, Range

from ..services.cases import referrals
from . import bp
from .openapi import operation
from .routes import json_body
from .schemas import PartySchema, ReferralListSchema, ReferralSchema


class SupervisionReferralSchema(Schema):
    """A clue, or a case the supervisor audits, referred by the supervision to the department with
    jurisdiction."""

    case_id = fields.Integer(strict=True, validate=Range(1, 2**31 - 1), metadata={
        "description": "the case the supervisor audits whose clue is referred (its party and title go with it; "
                       "its evidence may be enclosed); leave it out for a bare clue"})
    title = fields.String(validate=Length(1, 300), metadata={
        "description": "the receipt's title: required for a bare clue; the case's title by default"})
    party = fields.Nested(PartySchema, metadata={
        "description": "a bare clue's party: one of the register ({id}), or name and kind (the receiving department "
                       "identifies it); a case's party goes with the case"})
    letter = fields.Dict(keys=fields.String(), required=True, metadata={
        "description": "the referral letter (移送函), the fields of forms/referral/referral_letter: "
                       "receiving_department (a department's code in your scope, not the case's own), clue, reasons, "
                       "materials, origin_evidence (item ids of the case's evidence list), contact, referred_on, "
                       "feedback_due_on"})


@bp.post("/referrals")
@operation("执法监督移送线索: a supervisor refers a clue, or a case they audit, to the department with jurisdiction. "
           "Sent at once, signed by the supervisor for the supervising unit (the justice bureau of the supervisor's "
           "level, named as the letter's sender): the receiving department gets its receipt case (接收移送线索) "
           "exactly as from a department's referral, its answer due on the letter's date. Traced with the supervisor "
           "as actor (referral.sent on the audited case's chain, or the system's; case.opened and referral.received "
           "on the receipt's). Unanswered by its due time, REFERRAL_FEEDBACK_OVERDUE is raised on the receipt",
           body=SupervisionReferralSchema, response=ReferralSchema, tag="cases",
           location="the receipt case")
def refer_by_supervision():
    payload = json_body(SupervisionReferralSchema())
    referral = referrals.refer_by_supervision(g.user, payload["letter"], case_id=payload.get("case_id"),
                                              title=payload.get("title"), party=payload.get("party"))
    response = jsonify(ReferralSchema().dump(referrals.as_supervision_sees(g.user, referral).as_json()))
    response.headers["Location"] = url_for("api.get_case", case_id=referral.receipt_case_id)
    return response, 201


@bp.get("/referrals")
@operation("The referrals the justice bureau's supervision sent to departments in your scope, newest first (at most "
           "200), each with its answer; supervisors and administrators", response=ReferralListSchema, tag="cases")
def supervision_referrals():
    return jsonify(ReferralListSchema().dump({"items": [r.as_json() for r in referrals.sent_by_supervision(g.user)]}))
