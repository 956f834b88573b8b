"""Translation catalogs, one per package: Korean source strings, English translations.

``python -m core.catalogs update`` extracts every package's strings (its Python files and
its templates folder) into ``<package>/translations/en/LC_MESSAGES/messages.po``, keeping
existing translations. ``missing()`` lists strings without English, which a test forbids.
"""

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "accounts", "agenda", "forums", "voting", "plans", "exports")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_message": None}
METHODS = [("**.py", "python"), ("**.html", "jinja2")]


def catalog_path(package: str) -> Path:
    return ROOT / package / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def _sources(package: str) -> list[Path]:
    sources = [ROOT / package, ROOT / "templates" / package]
    return [path for path in sources if path.is_dir()]


def extract(package: str) -> Catalog:
    """Every translatable string of ``package``; core also owns the shared layout templates."""
    catalog = Catalog(locale="en", project="madang", charset="utf-8")
    for source in _sources(package):
        for filename, lineno, message, comments, context in extract_from_dir(
            str(source), METHODS, keywords=KEYWORDS, strip_comment_tags=True
        ):
            if "/translations/" in filename:
                continue
            catalog.add(message, None, [(str(source.relative_to(ROOT) / filename), lineno)],
                        auto_comments=comments, context=context)
    if package == "core":
        for template in sorted((ROOT / "templates").glob("*.html")):
            for lineno, _funcname, message, comments in _extract_template(template):
                catalog.add(message, None, [(str(template.relative_to(ROOT)), lineno)],
                            auto_comments=comments)
    return catalog


def _extract_template(path: Path):
    from babel.messages.extract import extract

    with path.open("rb") as handle:
        for lineno, message, comments, _context in extract(
            "jinja2", handle, keywords=KEYWORDS, strip_comment_tags=True
        ):
            yield lineno, None, message, comments


def packages() -> list[str]:
    return [p for p in PACKAGES if (ROOT / p).is_dir()]


def load(package: str) -> Catalog:
    path = catalog_path(package)
    if not path.exists():
        return Catalog(locale="en", project="madang", charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale="en")


def update(package: str) -> int:
    """Merge freshly extracted strings into the package's catalog; return how many lack English."""
    template = extract(package)
    catalog = load(package)
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    path = catalog_path(package)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_by_file=True, omit_header=False)
    return len(missing(package))


def missing(package: str) -> list[str]:
    """Strings used in ``package`` with no English translation (or only a fuzzy guess)."""
    catalog = load(package)
    absent = []
    for message in extract(package):
        if not message.id:
            continue
        translated = catalog.get(message.id, context=message.context)
        text = translated.string if translated is not None else None
        if not text or (isinstance(text, tuple) and not all(text)) or translated.fuzzy:
            absent.append(message.id if isinstance(message.id, str) else message.id[0])
    return absent


if __name__ == "__main__":
    if sys.argv[1:] != ["update"]:
        sys.exit("usage: python -m core.catalogs update")
    for name in packages():
        print(f"{name}: {update(name)} strings without English")
