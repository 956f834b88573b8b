"""The pure modules (counting, statistics, budget rules, text matching, file writers) load
without the web app: each is imported alone in a fresh interpreter, which must not have
loaded Flask, SQLAlchemy or any module that builds on them."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PURE_MODULES = [
    "voting.tally",
    "voting.tally.budget",
    "voting.tally.formats",
    "voting.tally.profiles",
    "voting.tally.ranked",
    "voting.tally.stv",
    "voting.tally.result",
    "voting.tally.ties",
    "forums.analysis",
    "plans.rules",
    "agenda.similarity",
    "core.identity",
    "exports.writers",
    "exports.tables",
    "exports.charts",
]

WEB_APP = {"flask", "flask_babel", "flask_login", "flask_sqlalchemy", "flask_wtf", "sqlalchemy",
           "werkzeug", "wtforms", "jinja2"}


@pytest.mark.parametrize("module", PURE_MODULES)
def test_a_pure_module_imports_without_flask_or_sqlalchemy(module):
    done = subprocess.run(
        [sys.executable, "-c",
         f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    loaded = json.loads(done.stdout)
    assert not {name.split(".")[0] for name in loaded} & WEB_APP
    # Nor the package's own web side (views, models, forms), which would bring it back later.
    assert not [name for name in loaded if name.rsplit(".", 1)[-1] in ("views", "models", "forms")]
