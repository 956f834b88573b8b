"""The request's input, checked once before any view reads it.

PostgreSQL refuses a NUL character in text, and SQLite and PostgreSQL refuse whole numbers
past 64 bits; such input used to reach the database and end in a server error. Every form
field, query parameter, JSON value and path part is checked here instead, so a view never
sees it and a refusal changes nothing. Other control characters are refused with NUL: no
person types them, and exports and screens would carry them on. A value that is nothing but
such a number is refused in any field, text ones too: no field of the platform takes one.
"""

import re

from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from core.views import render_error

# C0 control characters except tab, line feed and carriage return, which text areas send.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# The largest id of an ``integer`` column in PostgreSQL (ids are 32-bit there).
ID_MAX = 2**31 - 1
# The largest whole number either database stores (PostgreSQL's bigint, SQLite's INTEGER).
WHOLE_NUMBER_MAX = 2**63 - 1
# What ``int()`` (and so WTForms' IntegerField) reads as a whole number.
_WHOLE_NUMBER = re.compile(r"\s*[+-]?\d+\s*")

CONTROL_CHARACTER_MESSAGE = _l("입력에 쓸 수 없는 제어 문자(NUL 등)가 들어 있습니다. "
                               "내용을 다시 입력하세요.")
NUMBER_TOO_LARGE_MESSAGE = _l("숫자가 너무 큽니다. 입력을 확인하세요.")


class IdConverter(IntegerConverter):
    """``<int:...>`` in a route: a number an id column can hold. A larger one names no
    record, so it matches no route (404) instead of reaching the database."""

    def __init__(self, map, **kwargs) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, **kwargs)


def record_id(text) -> int | None:
    """The id a form or query value names: plain digits an id column can hold, else None.
    Views read ids sent as text through here, so a number past the column never reaches
    the database (PostgreSQL refuses it) and a digit Python cannot read ("²") never
    reaches ``int()``."""
    if isinstance(text, str) and text.isascii() and text.isdigit():
        number = int(text)
        if number <= ID_MAX:
            return number
    return None


def odd_input_message(values):
    """Why these request values cannot be taken (a lazy message), or None when they can."""
    for value in values:
        if not isinstance(value, str):
            continue
        if CONTROL_CHARACTERS.search(value):
            return CONTROL_CHARACTER_MESSAGE
        if _WHOLE_NUMBER.fullmatch(value) and _too_large(value):
            return NUMBER_TOO_LARGE_MESSAGE
    return None


def _too_large(number: str) -> bool:
    try:
        return abs(int(number)) > WHOLE_NUMBER_MAX
    except ValueError:
        # Python reads at most a few thousand digits: far past any column.
        return True


def request_values():
    """Every text the request carries to a view: path parts, query and form fields (names
    too), uploaded file names and JSON strings (keys too)."""
    yield from (request.view_args or {}).values()
    for fields in (request.args, request.form):
        for name, values in fields.lists():
            yield name
            yield from values
    for upload in request.files.values():
        yield upload.filename
    if request.is_json:
        yield from _json_strings(request.get_json(silent=True))


def _json_strings(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)
    elif isinstance(value, str | int) and not isinstance(value, bool):
        # A JSON number too large for the database is refused like one typed in a form.
        yield value if isinstance(value, str) else str(value)


def refuse_odd_input():
    """Before every view: a 400 in the reader's language when the input cannot be stored."""
    message = odd_input_message(request_values())
    if message is not None:
        return render_error(400, message)
    return None


def init_app(app) -> None:
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_odd_input)
