"""The OpenAPI 3 document at /api/v1/openapi.json, built from the routes' marshmallow schemas."""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, jsonify

from ..strict_input import ID_MAX
from . import bp
from .authentication import CSRF_HEADER, is_public, public


def operation(summary: str, *, body=None, response=None, tag: str = "", params: dict | None = None,
              path_params: dict | None = None, produces: str | None = None, headers: dict | None = None,
              location: str | None = None, errors: dict | None = None, omit: tuple[str, ...] = (),
              also: dict | None = None):
    """Attach OpenAPI metadata to a view; the document is generated from it. Path arguments are
    ids unless `path_params` gives their schema; query `params` are name -> description, or name
    -> (description, schema) where the value is not just text; `produces` names a non-JSON
    response type; `headers`: request headers it reads (name -> description); `location`: what
    the `Location` header of its 201 names; `errors`: answers of its own (code -> description),
    beside those of every operation; `omit`: those of every operation it never gives; `also`:
    another success it gives with the same body (code -> description), e.g. 200 beside 201."""

    def decorate(view):
        view.openapi = {"summary": summary, "body": body, "response": response,
                        "tag": tag, "params": params or {}, "path_params": path_params or {},
                        "produces": produces, "headers": headers or {}, "location": location,
                        "errors": errors or {}, "omit": omit, "also": also or {}}
        return view

    return decorate


_ERRORS = {
    "401": "not logged in, the token is invalid, or a session request lacks its CSRF token",
    "403": "your role or org scope does not allow this",
    "404": "not found (or outside your scope)",
    "409": "the task is not ready, or another request changed the case first",
    "422": "invalid input: `errors` maps each field to its messages",
}
# Reads change nothing, so nothing can have changed it first: no 409 on a GET.
_NOT_ON_READS = {"409"}
# Answers with no body of ours to describe.
_NO_CONTENT = {"204"}


def build_spec(app) -> dict:
    from .schemas import ErrorSchema, PaperEntrySchema

    spec = APISpec(title="ZhifaFlow API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "行政执法案件办理与执法监督 — case processing and oversight. Error "
                                        "messages (`message`, and the field messages in `errors`) follow "
                                        "`Accept-Language`: Chinese by default, English with `en`; a refusal "
                                        "of the law always carries `message_en` too."},
                   servers=[{"url": bp.url_prefix}])
    spec.components.schema("Error", schema=ErrorSchema)
    spec.components.schema("PaperEntry", schema=PaperEntrySchema)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": "session",
                                                "description": "the login session of the pages"})
    spec.components.security_scheme("csrf", {"type": "apiKey", "in": "header", "name": CSRF_HEADER,
                                             "description": "GET /auth/csrf-token; required with the session"})
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "openapi", None)
        if meta is None:
            continue
        needs_login = not is_public(view)
        path = str(rule.rule).removeprefix("/api/v1")
        for arg in rule.arguments:
            path = re.sub(rf"<(?:\w+:)?{arg}>", f"{{{arg}}}", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            op = {"summary": meta["summary"], "tags": [meta["tag"]] if meta["tag"] else [],
                  "operationId": rule.endpoint.removeprefix("api.") + (
                      f"_{method.lower()}" if len(rule.methods - {"HEAD", "OPTIONS"}) > 1 else ""),
                  "responses": {}}
            params = [{"in": "path", "name": a, "required": True,
                       "schema": meta["path_params"].get(a, {"type": "integer", "minimum": 1, "maximum": ID_MAX})}
                      for a in rule.arguments]
            for name, said in meta["params"].items():
                description, schema = said if isinstance(said, tuple) else (said, {"type": "string"})
                params.append({"in": "query", "name": name, "required": False, "description": description,
                               "schema": schema})
            params += [{"in": "header", "name": n, "required": False, "description": d,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 200}}
                       for n, d in meta["headers"].items()]
            if params:
                op["parameters"] = params
            if meta["body"] == "multipart" or isinstance(meta["body"], dict) and "multipart" in meta["body"]:
                extra = meta["body"]["multipart"] if isinstance(meta["body"], dict) else {}
                op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
                    "type": "object", "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}, **extra}}}}}
            elif meta["body"] is not None:
                op["requestBody"] = {"required": True,
                                     "content": {"application/json": {"schema": meta["body"]}}}
            ok = {"api.create_case": "201", "api.create_token": "201", "api.revoke_token": "204",
                  "api.store_signature": "201", "api.store_evidence": "201", "api.create_party": "201",
                  "api.draft_inspection_plan": "201", "api.make_inspection_draw": "201",
                  "api.start_joint_visit": "201", "api.create_draft": "201",
                  "api.start_test_run": "201", "api.discard_test_run": "204"}.get(
                rule.endpoint, "200")
            op["responses"][ok] = {"description": "OK" if ok not in _NO_CONTENT else "done; no content"}
            if meta["location"]:
                op["responses"][ok]["headers"] = {"Location": {"description": meta["location"],
                                                               "schema": {"type": "string"}}}
            if meta["response"] is not None:
                op["responses"][ok]["content"] = {"application/json": {"schema": meta["response"]}}
            elif meta["produces"] is not None:
                op["responses"][ok]["content"] = {meta["produces"]: {"schema": {"type": "string",
                                                                                 "format": "binary"}}}
            for code, text in meta["also"].items():
                op["responses"][code] = {**op["responses"][ok], "description": text}
            for code, text in {**_ERRORS, **meta["errors"]}.items():
                if code == "401" and not needs_login and code not in meta["errors"]:
                    continue
                if code in _NOT_ON_READS and method == "GET" and code not in meta["errors"]:
                    continue
                if code in meta["omit"]:
                    continue
                op["responses"][code] = {"description": text, "content": {
                    "application/json": {"schema": "Error"}}}
            if needs_login:
                op["security"] = [{"bearer": []}, {"session": [], "csrf": []}]
            else:
                op["security"] = []
            spec.path(path=path, operations={method.lower(): op})
    return spec.to_dict()


@bp.get("/openapi.json")
@public
def openapi_document():
    doc = current_app.extensions.get("zhifaflow_openapi")
    if doc is None:
        doc = current_app.extensions["zhifaflow_openapi"] = build_spec(current_app)
    return jsonify(doc)
