"""Messages said in the reader's language: a `Text` keeps its gettext template and values, a
`Phrase` carries a value in both languages; `clip` bounds either without losing that. Used by the
engine, the law's rules and the services alike (it imports nothing of the application), and said
in the request's language by workflow_app/i18n.localized.
"""

MAX_MESSAGE_CHARS = 300


class Text(str):
    """A message in English that keeps its gettext template and values, so the API and the pages
    can say it in the reader's language (workflow_app/i18n.localized: the catalogue messages.po).
    It is still the plain English string for the CLI, the logs and the trace."""

    template: str
    params: dict

    def __new__(cls, template: str, **params):
        text = super().__new__(cls, template % params if params else template)
        text.template, text.params = template, params
        return text


class Phrase(str):
    """A value given in both languages by the data itself (a form field's `title` and its
    `x-title-en`): English as the string, Chinese in `zh`."""

    zh: str

    def __new__(cls, en: str, zh: str):
        phrase = super().__new__(cls, en)
        phrase.zh = zh
        return phrase


def refusal_line(code: str, en: str, zh: str) -> Phrase:
    """A field's line of a refusal of the law: its code and what is wrong, in both languages."""
    return Phrase(f"{code}: {en}", f"{code}: {zh}")  # one separator: clients read the code off it


def tr(template: str, **params) -> Text:
    """A translatable message (extracted into messages.po by `make extract-messages`)."""
    return Text(template, **params)


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text`, or its start and how long it was. A Text too long is shortened in its values (the
    longest first), so it keeps its template and is still said in the reader's language."""
    if isinstance(text, str) and len(text) <= limit:
        return text  # a Text keeps its template, a Phrase its Chinese
    if isinstance(text, Phrase):
        return Phrase(str(clip(str(text), limit)), str(clip(text.zh, limit)))
    if isinstance(text, Text) and text.template == CLIPPED:  # clipped before: its start, shorter
        return tr(CLIPPED, start=text.params["start"][:limit], length=text.params["length"])
    if isinstance(text, Text) and text.params:
        shorter = _clip_values(text, limit)
        if shorter is not None:
            return shorter
    text = str(text)
    if len(text) <= limit:
        return text
    return tr("%(start)s… (%(length)d characters)", start=text[:limit], length=len(text))


CLIPPED = "%(start)s… (%(length)d characters)"  # the template of clip()'s note
_CLIP_NOTE = 24  # room for "… (1000000 characters)"


def _clip_values(text: Text, limit: int) -> Text | None:
    params = dict(text.params)
    for key in sorted((k for k, v in params.items() if isinstance(v, str)), key=lambda k: -len(params[k])):
        excess = len(Text(text.template, **params)) - limit
        if excess <= 0:
            break
        keep = len(params[key]) - excess - _CLIP_NOTE
        if keep >= 10:
            params[key] = clip(params[key], keep)
    shorter = Text(text.template, **params)
    return shorter if len(shorter) <= limit else None
