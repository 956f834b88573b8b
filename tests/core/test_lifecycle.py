"""The request lifecycle (core/lifecycle.py): one commit after a view that returned, and one
answer to a refusal (rolled back, the error's status, the reader's language, JSON for the API,
the declared form page with the message by its field, else the error page).

The routes below are registered on a second app over the test database, made once per module:
an app that has served a request takes no new routes."""

import click
import pytest
from flask import Blueprint, render_template_string, request
from markupsafe import escape
from sqlalchemy import func, select
from wtforms import Form, StringField

from app import create_app
from core.db import after_commit, db
from core.errors import Conflict, DomainError, NotFound
from core.lifecycle import answer_errors_as_json, on_error, unit_of_work
from core.models import District
from core.tenancy import forget_district
from core.views import ERROR_MESSAGES
from tests.conftest import post_form

REFUSAL = ERROR_MESSAGES[400]
REFUSAL_KO = "요청을 처리할 수 없습니다. 입력을 확인하세요."
REFUSAL_EN = "The request could not be processed. Please check your input."
CONFLICT_KO = "같은 내용이 방금 다른 요청으로 바뀌었습니다. 페이지를 새로 고친 뒤 다시 시도하세요."
CONFLICT_EN = "This was just changed by another request. Reload the page and try again."


class NamingForm(Form):
    slug = StringField()
    name = StringField()


FORM_PAGE = """{% extends "base.html" %}{% block content %}
<p id="slug-errors">{{ form.slug.errors|join(' ') }}</p>
<p id="name-errors">{{ form.name.errors|join(' ') }}</p>
<p id="districts">{{ districts }}</p>
{% endblock %}"""


def _add_district(slug: str) -> None:
    db.session.add(District(slug=slug, name_ko=slug, name_en=slug))
    db.session.flush()


def _district_count() -> int:
    return db.session.scalar(select(func.count()).select_from(District))


def _routes(sent: list[str]) -> Blueprint:
    bp = Blueprint("lifecycle_under_test", __name__)

    @bp.route("/lifecycle/add", methods=["POST"])
    def add():
        slug = request.form["slug"]
        _add_district(slug)
        after_commit(lambda: sent.append(slug))
        if request.form.get("refuse"):
            raise Conflict(REFUSAL)
        return "added"

    @bp.route("/lifecycle/add-unflushed", methods=["POST"])
    def add_unflushed():
        # Left for the commit to write, so the unique slug is checked only then.
        db.session.add(District(slug=request.form["slug"], name_ko="중복", name_en="twin"))
        after_commit(lambda: sent.append("unflushed"))
        return "added"

    @bp.route("/api/v1/lifecycle/add", methods=["POST"])
    def add_api():
        _add_district(request.form["slug"])
        raise Conflict(REFUSAL)

    @bp.route("/lifecycle/status", methods=["POST"])
    def status_json():
        answer_errors_as_json()
        raise DomainError(REFUSAL, status=400)

    @bp.route("/lifecycle/form", methods=["POST"])
    def form_page():
        form = NamingForm(request.form)
        on_error(lambda: render_template_string(FORM_PAGE, form=form,
                                                districts=_district_count()),
                 form=form, field=request.form.get("default_field") or None)
        _add_district(form.slug.data)
        raise DomainError(REFUSAL, field=request.form.get("names") or None)

    @bp.route("/lifecycle/missing", methods=["POST"])
    def missing():
        form = NamingForm(request.form)
        on_error(lambda: render_template_string(FORM_PAGE, form=form, districts=0), form=form,
                 field="slug")
        raise NotFound(REFUSAL, field=request.form.get("names") or None)

    return bp


@pytest.fixture(scope="module")
def _lifecycle(app):
    second = create_app({key: app.config[key] for key in (
        "TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "REDIS_URL", "RATELIMIT_STORAGE_URI",
        "MAIL_BACKEND", "SERVER_NAME", "REALTIME_NAMESPACE")})
    second.test_client_class = app.test_client_class
    sent: list[str] = []
    second.register_blueprint(_routes(sent))

    @second.cli.command("add-district")
    @click.argument("slug")
    @click.option("--refuse", is_flag=True)
    @unit_of_work
    def add_district(slug, refuse):
        _add_district(slug)
        after_commit(lambda: sent.append(slug))
        if refuse:
            raise Conflict(REFUSAL)
        click.echo("added")

    yield second, sent
    with second.app_context():
        db.engine.dispose()


@pytest.fixture
def lifecycle_app(_lifecycle):
    second, sent = _lifecycle
    sent.clear()
    forget_district(second)
    yield second
    with second.app_context():
        db.session.remove()


@pytest.fixture
def sent(_lifecycle):
    return _lifecycle[1]


@pytest.fixture
def lifecycle_client(lifecycle_app):
    return lifecycle_app.test_client()


def _count(lifecycle_app) -> int:
    with lifecycle_app.app_context():
        return _district_count()


def test_a_view_that_returns_is_committed_once_and_its_callbacks_run(lifecycle_app,
                                                                     lifecycle_client, sent):
    response = post_form(lifecycle_client, "/lifecycle/add", {"slug": "seongdong"})
    assert response.status_code == 200
    assert sent == ["seongdong"]
    assert _count(lifecycle_app) == 1


def test_a_refusal_rolls_back_and_drops_the_callbacks(lifecycle_app, lifecycle_client, sent):
    response = post_form(lifecycle_client, "/lifecycle/add", {"slug": "mapo", "refuse": "1"})
    assert response.status_code == 409
    assert REFUSAL_KO in response.get_data(as_text=True)
    assert sent == []
    assert _count(lifecycle_app) == 0


def test_the_error_page_speaks_the_readers_language(lifecycle_app, lifecycle_client, sent):
    response = post_form(lifecycle_client, "/lifecycle/add", {"slug": "mapo", "refuse": "1"},
                         headers={"Accept-Language": "en"})
    assert response.status_code == 409
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert REFUSAL_EN in page and REFUSAL_KO not in page


@pytest.mark.parametrize("language, message", [("ko", REFUSAL_KO), ("en", REFUSAL_EN)])
def test_the_api_answers_json_in_the_readers_language(lifecycle_app, lifecycle_client, sent,
                                                      language, message):
    response = post_form(lifecycle_client, "/api/v1/lifecycle/add", {"slug": "jung"},
                         headers={"Accept-Language": language})
    assert response.status_code == 409
    assert response.get_json() == {"error": message, "status": 409}
    assert _count(lifecycle_app) == 0


def test_a_client_asking_for_json_or_a_json_view_gets_json(lifecycle_client):
    asked = post_form(lifecycle_client, "/lifecycle/add", {"slug": "jung", "refuse": "1"},
                      headers={"Accept": "application/json"})
    assert asked.status_code == 409
    assert asked.get_json() == {"error": REFUSAL_KO, "status": 409}
    declared = post_form(lifecycle_client, "/lifecycle/status")
    assert declared.status_code == 400
    assert declared.get_json() == {"error": REFUSAL_KO, "status": 400}


def _errors(page: str, field: str) -> str:
    start = page.index(f'id="{field}-errors">') + len(f'id="{field}-errors">')
    return page[start:page.index("</p>", start)]


def test_the_form_comes_back_with_the_message_by_the_field_the_error_names(lifecycle_app,
                                                                           lifecycle_client):
    response = post_form(lifecycle_client, "/lifecycle/form",
                         {"slug": "guro", "name": "구로구", "names": "name",
                          "default_field": "slug"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _errors(page, "name") == REFUSAL_KO
    assert _errors(page, "slug") == ""
    # The page was rendered after the rollback: the district the view added is gone.
    assert 'id="districts">0<' in page
    assert _count(lifecycle_app) == 0


def test_without_a_named_field_the_message_goes_to_the_views_field(lifecycle_client):
    response = post_form(lifecycle_client, "/lifecycle/form",
                         {"slug": "guro", "default_field": "slug"},
                         headers={"Accept-Language": "en"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _errors(page, "slug") == REFUSAL_EN
    assert _errors(page, "name") == ""


def test_without_any_field_the_message_is_flashed_on_the_page(lifecycle_client):
    response = post_form(lifecycle_client, "/lifecycle/form", {"slug": "guro"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<div class="alert alert--error" role="alert">{REFUSAL_KO}</div>' in page
    assert _errors(page, "slug") == "" and _errors(page, "name") == ""


def test_a_missing_page_object_gets_the_error_page_not_the_form(lifecycle_client):
    response = post_form(lifecycle_client, "/lifecycle/missing", {"slug": "guro"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert 'id="slug-errors"' not in page
    assert f"<h1>{REFUSAL_KO}</h1>" in page


def test_a_missing_thing_typed_in_a_field_shows_the_form_again(lifecycle_client):
    response = post_form(lifecycle_client, "/lifecycle/missing",
                         {"slug": "guro", "names": "name"})
    assert response.status_code == 404
    assert _errors(response.get_data(as_text=True), "name") == REFUSAL_KO


def test_a_constraint_the_commit_trips_is_a_conflict_in_the_readers_language(
        lifecycle_app, lifecycle_client, sent):
    assert post_form(lifecycle_client, "/lifecycle/add", {"slug": "gangseo"}).status_code == 200
    response = post_form(lifecycle_client, "/lifecycle/add-unflushed", {"slug": "gangseo"},
                         headers={"Accept-Language": "en"})
    assert response.status_code == 409
    assert str(escape(CONFLICT_EN)) in response.get_data(as_text=True)
    assert sent == ["gangseo"]
    assert _count(lifecycle_app) == 1
    korean = post_form(lifecycle_client, "/lifecycle/add-unflushed", {"slug": "gangseo"},
                       headers={"Accept": "application/json"})
    assert korean.get_json() == {"error": CONFLICT_KO, "status": 409}


def test_a_command_commits_once_and_runs_its_callbacks(lifecycle_app, sent):
    result = lifecycle_app.test_cli_runner().invoke(args=["add-district", "yongsan"])
    assert result.exit_code == 0, result.output
    assert sent == ["yongsan"]
    assert _count(lifecycle_app) == 1


def test_a_refused_command_prints_the_message_changes_nothing_and_fails(lifecycle_app, sent):
    result = lifecycle_app.test_cli_runner().invoke(args=["add-district", "yongsan",
                                                          "--refuse"])
    assert result.exit_code == 1
    assert REFUSAL_KO in result.output
    assert sent == []
    assert _count(lifecycle_app) == 0
