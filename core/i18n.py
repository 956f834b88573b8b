"""Korean first, English complete: locale choice, Seoul time, won amounts."""

from pathlib import Path

from flask import current_app, has_request_context, request
from flask_babel import Babel, format_datetime, format_decimal, get_locale

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


def format_seoul(value, format: str = "medium") -> str:
    """A timestamp shown in Asia/Seoul time (the configured Babel timezone)."""
    if value is None:
        return ""
    return format_datetime(value, format)


def translation_directories(root: Path) -> str:
    """Every package keeps its own catalog, so packages can be translated independently."""
    found = sorted(str(path) for path in root.glob("*/translations") if path.is_dir())
    return ";".join(found)


def init_app(app) -> None:
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", translation_directories(Path(app.root_path))
    )
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["won"] = format_won
    app.jinja_env.filters["won_short"] = format_won_short
    app.jinja_env.filters["seoul"] = format_seoul
    app.jinja_env.globals["get_locale"] = get_locale
