"""Korean first, English complete: locale choice, messages that quote values, Seoul time, won
amounts."""

from datetime import datetime
from pathlib import Path

from babel import Locale
from flask import current_app, has_request_context, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import (
    Babel,
    LazyString,
    format_date,
    format_decimal,
    format_time,
    get_locale,
    gettext,
    to_user_timezone,
)
from markupsafe import Markup

babel = Babel()

LOCALE_COOKIE = "lang"


def select_locale() -> str:
    if not has_request_context():
        # Jobs and CLI commands speak the default language unless they force another.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


class Message(LazyString):
    """A translated sentence with parameters: plain text as a string, escaped text in HTML.

    ``str(message)`` is the sentence in the reader's language with the parameters as given, for
    JSON, the command line, mail and spreadsheet cells. ``message.__html__()``, which Jinja,
    ``markupsafe.escape`` and the flash cookie call, is the same sentence with every parameter
    escaped, so a title a resident typed stays text on the page that quotes it.
    """

    def __html__(self) -> Markup:
        (msgid,) = self._args
        # The translated sentence is ours and may hold markup; only the parameters are escaped.
        sentence = Markup(gettext(msgid))  # noqa: S704
        return sentence % self._kwargs if self._kwargs else sentence


def lazy_message(msgid: str, **params) -> Message:
    """The one way to translate a sentence that has ``%(name)s`` parameters.

    Flask-Babel's lazy strings declare themselves safe HTML, and Jinja trusts them whole: a
    ``lazy_gettext("‘%(title)s’ ...", title=item.title)`` put a resident's proposal title into
    an organizer's page as live markup. A translator's sentence is trusted; a parameter never
    is, so this escapes each parameter when the sentence is rendered as HTML and leaves it as
    written when the sentence is read as text. It is lazy, like ``lazy_gettext``, so messages
    built at import time still follow the reader's language. A test walks the source and
    fails on any translation call that passes parameters without going through here.
    """
    return Message(gettext, msgid, **params)


def N_(msgid: str) -> str:
    """Marks a sentence for the catalogs where it is written, for a table of sentences whose
    parameters come later: the reader passes it to ``lazy_message`` with them."""
    return msgid


class MessageJSONProvider(DefaultJSONProvider):
    """JSON carries a translated message as plain text, never as the HTML-escaped form."""

    @staticmethod
    def default(o):
        if isinstance(o, LazyString):
            return str(o)
        return DefaultJSONProvider.default(o)


def format_won(amount: int | None) -> str:
    """A won amount the way readers of the current language expect: 1,250,000원 / ₩1,250,000."""
    if amount is None:
        return ""
    digits = format_decimal(amount)
    if str(get_locale()) == "ko":
        return f"{digits}원"
    return f"₩{digits}"


def format_won_short(amount: int | None) -> str:
    """Large amounts in Korean units (1억 2,500만 원), as budgets are read in Korea."""
    if amount is None:
        return ""
    if str(get_locale()) != "ko" or abs(amount) < 10_000:
        return format_won(amount)
    eok, rest = divmod(abs(amount), 100_000_000)
    man = rest // 10_000
    parts = []
    if eok:
        parts.append(f"{format_decimal(eok)}억")
    if man:
        parts.append(f"{format_decimal(man)}만")
    sign = "-" if amount < 0 else ""
    return f"{sign}{' '.join(parts)} 원"


# Dates are read by residents of every age: always the four-digit year, and the month's name
# where there is room. CLDR's short Korean date ("26. 12. 5.") drops the century, and its
# medium and long times carry seconds and a zone name nobody needs on a notice.
_DATE_STYLES = {"short": "medium", "medium": "medium", "long": "long", "full": "full"}


def format_day(value, format: str = "long") -> str:
    """A calendar day: 2026. 12. 5. (short, medium) or 2026년 12월 5일 (long)."""
    if value is None:
        return ""
    return format_date(value, _DATE_STYLES.get(format, format))


def format_figure(value) -> str:
    """A count or score as people write it: 4, not 4.0; 3.25 kept to two places."""
    if value is None:
        return ""
    return format_decimal(round(value, 2), format="#,##0.##")


def format_seoul(value, format: str = "medium") -> str:
    """A timestamp shown in Asia/Seoul time (the configured Babel timezone), to the minute."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return format_day(value, format)
    # Stored times are UTC, naive or not; Flask-Babel reads naive ones as UTC too.
    value = to_user_timezone(value)
    pattern = Locale.parse(str(get_locale())).datetime_formats["short"]
    day = format_date(value.date(), _DATE_STYLES.get(format, format))
    return pattern.format(format_time(value, "short", rebase=False), day)


def translation_directories(root: Path) -> str:
    """Every package keeps its own catalog, so packages can be translated independently."""
    found = sorted(str(path) for path in root.glob("*/translations") if path.is_dir())
    return ";".join(found)


def init_app(app) -> None:
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", translation_directories(Path(app.root_path))
    )
    babel.init_app(app, locale_selector=select_locale)
    app.json = MessageJSONProvider(app)
    app.jinja_env.filters["won"] = format_won
    app.jinja_env.filters["won_short"] = format_won_short
    app.jinja_env.filters["seoul"] = format_seoul
    app.jinja_env.filters["figure"] = format_figure
    # Flask-Babel's own filters would print CLDR's defaults: two-digit years and seconds.
    app.jinja_env.filters["datetimeformat"] = format_seoul
    app.jinja_env.filters["dateformat"] = format_day
    app.jinja_env.globals["get_locale"] = get_locale
