"""The pages' language (Flask-Babel): simplified Chinese by default, English by the switch.

Every string of the pages goes through gettext (msgids in English; the Chinese is in
translations/zh/LC_MESSAGES/messages.po, compiled to .mo by `make translations`, which `make run`
and `make test` run). The choice is remembered for the user (user_account.language, so it follows
them to any browser) and in a cookie of the browser for a year (so the login page, before anyone
is known, and the page after a logout keep it).
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
    from flask_login import current_user

    if request and current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    chosen = request.cookies.get(LANGUAGE_COOKIE) if request else None
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    babel.init_app(app, locale_selector=page_language)
