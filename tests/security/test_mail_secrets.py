"""Links in mail carry the power to take over an account: they reach the addressee and no
log. A deployment whose mail would only be logged does not start."""

import logging

import pytest

from tests.conftest import post_form


@pytest.fixture
def production_config(tmp_path, monkeypatch):
    """What create_app gets on a server: neither debug nor testing, mail left at its default."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    for name in ("MAIL_BACKEND", "MAIL_ALLOW_CONSOLE", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return {"SECRET_KEY": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"}


def test_production_refuses_to_start_with_console_mail(production_config):
    from app import create_app

    with pytest.raises(RuntimeError, match="MAIL_BACKEND is console"):
        create_app(production_config)


def test_the_refusal_names_the_way_out(production_config):
    from app import create_app

    with pytest.raises(RuntimeError) as refused:
        create_app(production_config)
    assert "MAIL_BACKEND=smtp" in str(refused.value)
    assert "MAIL_ALLOW_CONSOLE=1" in str(refused.value)


@pytest.mark.parametrize("allowed", [{"DEBUG": True}, {"TESTING": True},
                                     {"MAIL_ALLOW_CONSOLE": True}, {"MAIL_BACKEND": "smtp"}])
def test_console_mail_only_in_debug_tests_or_when_asked(production_config, allowed):
    from app import create_app

    with pytest.raises(RuntimeError):
        create_app(production_config)
    assert create_app({**production_config, **allowed}).config["MAIL_BACKEND"] in (
        "console", "smtp")


def test_the_environment_can_allow_console_mail(production_config, monkeypatch):
    from app import create_app

    monkeypatch.setenv("MAIL_ALLOW_CONSOLE", "1")
    assert create_app(production_config).config["MAIL_ALLOW_CONSOLE"] is True


@pytest.fixture
def console_mail(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "console")


def _mail_log(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.name == "core.mail")


def test_a_reset_link_never_reaches_the_log(client, make_user, console_mail, caplog, capfd):
    user = make_user()
    with caplog.at_level(logging.DEBUG):
        response = post_form(client, "/password/forgot", {"email": user.email})
    assert response.status_code == 302
    logged = _mail_log(caplog)
    # The message is shown (to whom, about what), its link is not.
    assert f"mail to {user.email}" in logged and "비밀번호 재설정" in logged
    assert "[link hidden]" in logged
    everything = caplog.text + "".join(capfd.readouterr())
    assert "/password/reset/" not in everything


def test_a_verification_link_never_reaches_the_log(client, district, console_mail, caplog,
                                                   capfd):
    with caplog.at_level(logging.DEBUG):
        post_form(client, "/signup", {"display_name": "새 주민", "email": "new@example.kr",
                                      "password": "a long password",
                                      "confirm": "a long password"})
    assert "mail to new@example.kr" in _mail_log(caplog)
    everything = caplog.text + "".join(capfd.readouterr())
    assert "/verify-email/" not in everything


def test_links_are_hidden_wherever_they_are_in_a_message():
    from core.mail import without_links

    text = "열기: https://madang.example/password/reset/abc.def-ghi\n또는 http://x.kr/verify-email/t"
    assert without_links(text) == "열기: [link hidden]\n또는 [link hidden]"
