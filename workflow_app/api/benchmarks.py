"""The discretion benchmarks register (行政裁量权基准) through the API: an item as a DMN decision
table, read by anyone logged in, replaced by an administrator (services/oversight/benchmarks.py,
docs/decisions.md)."""
from flask import current_app, g, jsonify, request
from marshmallow import Schema, fields

from ..services.oversight import benchmarks
from . import bp
from .openapi import operation
from .routes import json_body
from .schemas import BenchmarkItemSchema, Length

CODE = {"code": {"type": "string", "minLength": 1, "maxLength": benchmarks.LIMITS["code"]}}


class BenchmarkDmnSchema(Schema):
    content = fields.String(required=True, validate=Length(1, benchmarks.MAX_DMN_BYTES), metadata={
        "description": "the DMN 1.3 XML of the item's table, in the shape GET gives: input the tier "
                       "(benchmark_tier), outputs min_fine and max_fine, a rule per tier with its circumstances as "
                       "the rule's annotation; the title the decision's name, the provisions its zhifa: attributes"})


class BenchmarkRecordSchema(BenchmarkItemSchema):
    violated_provision = fields.String()
    penalty_provision = fields.String()
    decision_id = fields.Function(lambda item: benchmarks.decision_id(item.code),
                                  metadata={"description": "the id of its decision in the DMN table"})


@bp.get("/benchmarks/<path:code>/dmn")
@operation("A discretion benchmark item as a DMN decision table (its tier the input, the fine range its outputs, "
           "the circumstances each rule's annotation), for the workbench and a package's business rule task; its "
           "ETag names the item's edition (send it as If-Match with a change)", tag="registers",
           produces="application/xml", path_params=CODE)
def benchmark_dmn(code: str):
    content, etag = benchmarks.dmn_of(code)
    return current_app.response_class(content, mimetype="application/xml", headers={
        "ETag": etag, "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'attachment; filename="{benchmarks.decision_id(code)}.dmn"'})


@bp.put("/benchmarks/<path:code>/dmn")
@operation("Replace (or add) a discretion benchmark item from its DMN decision table (administrators): each rule "
           "checked as a row of the CSV import, one transaction, traced as an import (benchmarks.imported); with "
           "If-Match, an item changed since is a 412 and nothing is saved", body=BenchmarkDmnSchema,
           response=BenchmarkRecordSchema, tag="registers", path_params=CODE,
           headers={"If-Match": "the ETag GET gave"}, errors={"412": "the item changed since the ETag you name"})
def put_benchmark_dmn(code: str):
    payload = json_body(BenchmarkDmnSchema())
    item = benchmarks.import_dmn(code, payload["content"].encode("utf-8"), g.user, request.headers.get("If-Match"))
    return jsonify(BenchmarkRecordSchema().dump(item)), 200, {"ETag": benchmarks.etag_of(item)}
