"""Every route declares who may use it, and the declaration holds for every method."""

import os
import tempfile

import pytest
from werkzeug.routing import IntegerConverter

from tests.conftest import post_form, sign_in

os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="madang-routes-"))


def _routes():
    from app import create_app

    application = create_app({"SECRET_KEY": "routes", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    found = []
    for rule in application.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = application.view_functions[rule.endpoint]
        values = {arg: 1 if isinstance(rule._converters[arg], IntegerConverter)
                  else "x" for arg in rule.arguments}
        path = rule.build(values)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append(pytest.param(rule.endpoint, method, path, getattr(view, "access", None),
                                      id=f"{method} {rule.rule}"))
    return found


ROUTES = _routes()
PROTECTED = [p for p in ROUTES if p.values[3] != "public"]
ROLE_ONLY = [p for p in ROUTES if isinstance(p.values[3], tuple)]


@pytest.mark.parametrize(("endpoint", "method", "path", "access"), ROUTES)
def test_every_route_declares_its_access(endpoint, method, path, access):
    assert access is not None, f"{endpoint} has no @public, @signed_in or @role_required"


@pytest.mark.parametrize(("endpoint", "method", "path", "access"), PROTECTED)
def test_anonymous_is_sent_to_sign_in(client, district, endpoint, method, path, access):
    response = client.get(path) if method == "GET" else post_form(client, path, {})
    assert response.status_code == 302
    assert "/signin" in response.location


@pytest.mark.parametrize(("endpoint", "method", "path", "access"), ROLE_ONLY)
def test_wrong_role_is_refused(app, make_user, endpoint, method, path, access):
    # A resident holds no staff role; a facilitator is refused organizer pages and vice versa.
    outsiders = ["resident"] + [r for r in ("facilitator", "organizer") if r not in access]
    for role in outsiders:
        user = make_user(role)
        client = app.test_client()
        sign_in(client, user.email)
        response = client.get(path) if method == "GET" else post_form(client, path, {})
        assert response.status_code == 403, f"{role} reached {endpoint}"
