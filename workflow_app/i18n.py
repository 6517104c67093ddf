"""The pages' language (Flask-Babel): simplified Chinese by default, English by the switch.

Every string of the pages goes through gettext (msgids in English; the Chinese is in
translations/zh/LC_MESSAGES/messages.po, compiled to .mo by `make translations`, which `make run`
and `make test` run). The choice is remembered for the user (user_account.language, so it follows
them to any browser) and in a cookie of the browser for a year (so the login page, before anyone
is known, and the page after a logout keep it).
"""
from flask import Flask, request
from flask_babel import Babel, gettext

from .messages import Phrase, Text
from .services.errors import StepRefused

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"
# <html lang>: the BCP 47 tag of the page's language.
HTML_LANG = {"zh": "zh-CN", "en": "en"}
LANGUAGE_COOKIE = "zhifaflow_lang"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600

babel = Babel()


API_PREFIX = "/api/"


_LANGUAGE_OF_REQUEST = "zhifaflow.page_language"


def page_language() -> str:
    """The API: the request's Accept-Language. The pages: the user's choice, else the switch's
    cookie. Chinese by default. Decided once per request, as Flask-Babel decides gettext's
    locale (a page asks hundreds of times: every label, step and field name)."""
    if not request:
        return DEFAULT_LANGUAGE
    language = request.environ.get(_LANGUAGE_OF_REQUEST)
    if language is None:
        language = request.environ[_LANGUAGE_OF_REQUEST] = _request_language()
    return language


def _request_language() -> str:
    from flask_login import current_user

    if request.path.startswith(API_PREFIX):
        return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT_LANGUAGE)
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def localized(text):
    """A service's message in the request's language: a Text through its template in the
    catalogue, a Phrase by its own two languages, any other string through the catalogue when it
    is there (else as it is: a message nobody translated yet stays readable English)."""
    if isinstance(text, Phrase):
        return text.zh if page_language() == "zh" else str(text)
    if isinstance(text, Text):
        params = {k: localized(v) if isinstance(v, str) else v for k, v in text.params.items()}
        return gettext(text.template, **params) if params else gettext(text.template)
    if isinstance(text, str) and text:
        return gettext(text)
    return text


def refusal_message(refusal: StepRefused) -> str:
    """The law's refusal of a step as the page says it: its English `message_en` on an English
    page, else its own (Chinese) message."""
    if page_language() == "en" and refusal.message_en:
        return refusal.message_en
    return localized(refusal.message)


def localized_errors(errors: dict) -> dict[str, list[str]]:
    """field -> messages, each in the request's language."""
    return {field: [localized(m) for m in messages] for field, messages in (errors or {}).items()}


def localized_details(value):
    """A service error's `details` with each message in it (a Text or a Phrase, e.g. a BPMN
    problem's) in the request's language; other values (ids, lines, codes) as they are."""
    if isinstance(value, Text | Phrase):
        return localized(value)
    if isinstance(value, dict):
        return {key: localized_details(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return [localized_details(v) for v in value]
    return value


THIS_FIELD = Phrase("This field", "此项")


def beside_fields(errors: dict) -> dict[str, list[str]]:
    """`localized_errors` for a page that shows each message beside its field: a message that
    names its field (a Text with `field`) calls it "this field" there (此项为必填项), the label
    being right beside it."""
    def said(message, beside: bool):
        if beside and isinstance(message, Text) and "field" in message.params:
            return localized(Text(message.template, **{**message.params, "field": THIS_FIELD}))
        return localized(message)

    # `_form`, `_task`…: not beside a field (the banner lists them), so they keep the field's name
    return {field: [said(m, not field.startswith("_")) for m in messages] for field, messages in (errors or {}).items()}


def schema_title(schema: dict | None, fallback: str = "", lang: str | None = None) -> str:
    """A form's or a field's label in the page's language: `x-title-en` on an English page, else
    (and on a Chinese page) its `title`, else the fallback (its name)."""
    if not schema:
        return fallback
    lang = lang or page_language()
    return (schema.get("x-title-en") if lang == "en" else None) or schema.get("title") or fallback


def enum_labels(schema: dict | None, lang: str | None = None) -> list[str]:
    """The labels of an enumerated field's values, in the order of its `enum`, in the page's
    language: `x-enum-labels-en` on an English page when it is complete, else `x-enum-labels`."""
    schema = schema or {}
    values = schema.get("enum") or []
    labels = schema.get("x-enum-labels") or []
    if (lang or page_language()) == "en":
        english = schema.get("x-enum-labels-en") or []
        if len(english) == len(labels):
            labels = english
    return [labels[i] if i < len(labels) else str(v) for i, v in enumerate(values)]


def step_name(name: str | None, form: dict | None = None, lang: str | None = None) -> str:
    """A step as the pages name it: the BPMN task's name (Chinese) on a Chinese page; on an
    English page the English title of the task's form where the task has one, else the BPMN name."""
    name = name or ""
    if form and (lang or page_language()) == "en":
        return form.get("x-title-en") or name
    return name


def task_step_name(task, forms: dict | None = None, lang: str | None = None) -> str:
    """`step_name` of a case's task (anything with `name` and `form_key`): its form looked up in
    `forms` when the caller has them, else in its case's procedure version (English pages only;
    a Chinese page never looks)."""
    lang = lang or page_language()
    if lang != "en" or not getattr(task, "form_key", None):
        return task.name
    if forms is None:
        from .services.procedures.versions import procedure_info

        forms = procedure_info(task.case.procedure_version).forms
    return step_name(task.name, forms.get(task.form_key), lang)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    babel.init_app(app, locale_selector=page_language)
