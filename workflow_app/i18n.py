"""The pages' language (Flask-Babel): simplified Chinese by default, English by the switch.

Every string of the pages goes through gettext (msgids in English; the Chinese is in
translations/zh/LC_MESSAGES/messages.po, compiled to .mo by `make translations`, which `make run`
and `make test` run). The choice is remembered in a cookie of the browser for a year, so it
outlives a logout; a per-user column (remembered on any browser) needs a migration and comes later.
"""
from flask import Flask, request
from flask_babel import Babel

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"
# <html lang>: the BCP 47 tag of the page's language.
HTML_LANG = {"zh": "zh-CN", "en": "en"}
LANGUAGE_COOKIE = "zhifaflow_lang"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600

babel = Babel()


def page_language() -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE) if request else None
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    babel.init_app(app, locale_selector=page_language)
