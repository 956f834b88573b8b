import pytest
from flask_babel import force_locale

from core.catalogs import missing, packages
from core.i18n import format_won, format_won_short
from tests.conftest import post_form


def test_korean_is_the_default(client, district):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="ko">' in html
    assert "강동구 마당" in html and "한 해의 흐름" in html


def test_english_by_accept_language(client, district):
    html = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Madang for Gangdong-gu" in html and "The year at a glance" in html
    assert "Agenda intake" in html


def test_language_switch_is_remembered(client, district):
    response = post_form(client, "/language", {"language": "en", "next": "/signin"})
    assert response.status_code == 302 and response.location.endswith("/signin")
    html = client.get("/signin").get_data(as_text=True)
    assert "Forgot your password?" in html
    post_form(client, "/language", {"language": "ko", "next": "/"})
    assert "비밀번호를 잊으셨나요?" in client.get("/signin").get_data(as_text=True)


def test_unknown_language_is_refused(client, district):
    assert post_form(client, "/language", {"language": "fr"}).status_code == 400


def test_form_errors_come_in_the_readers_language(client, district):
    post_form(client, "/language", {"language": "en"})
    response = post_form(client, "/signup", {"email": "bad", "display_name": "x",
                                             "password": "a long password",
                                             "confirm": "a long password"})
    assert response.status_code == 422
    assert "Please enter a valid email address." in response.get_data(as_text=True)


@pytest.mark.parametrize("package", packages())
def test_every_string_has_an_english_translation(package):
    assert missing(package) == []


def test_won_amounts_are_formatted_the_korean_way(ctx):
    with force_locale("ko"):
        assert format_won(1250000) == "1,250,000원"
        assert format_won_short(125_000_000) == "1억 2,500만 원"
        assert format_won_short(300_000_000) == "3억 원"
        assert format_won_short(9_000) == "9,000원"
        assert format_won(None) == ""
    with force_locale("en"):
        assert format_won(1250000) == "₩1,250,000"
        assert format_won_short(125_000_000) == "₩125,000,000"


def test_dates_are_shown_in_seoul_time(ctx):
    from datetime import UTC, datetime

    from core.i18n import format_seoul

    late_evening_utc = datetime(2027, 3, 1, 20, 30, tzinfo=UTC)
    with force_locale("ko"):
        assert "2027. 3. 2." in format_seoul(late_evening_utc)


def test_displayed_dates_carry_the_four_digit_year_and_no_seconds(ctx):
    from datetime import UTC, date, datetime

    from core.i18n import format_day, format_seoul

    moment = datetime(2026, 12, 4, 20, 20, 13, tzinfo=UTC)
    naive_utc = moment.replace(tzinfo=None)
    with force_locale("ko"):
        assert format_seoul(moment, "short") == "2026. 12. 5. 오전 5:20"
        assert format_seoul(naive_utc) == "2026. 12. 5. 오전 5:20"
        assert format_seoul(moment, "long") == "2026년 12월 5일 오전 5:20"
        assert format_day(date(2026, 12, 5), "short") == "2026. 12. 5."
        assert format_day(date(2026, 12, 5)) == "2026년 12월 5일"
    with force_locale("en"):
        assert format_seoul(moment, "short") == "Dec 5, 2026, 5:20\u202fAM"
        assert format_day(date(2026, 12, 5), "short") == "Dec 5, 2026"


def test_templates_print_dates_through_the_house_filters(app):
    from datetime import date

    with app.test_request_context(headers={"Accept-Language": "ko"}):
        rendered = app.jinja_env.from_string(
            "{{ day|dateformat('short') }} | {{ day|dateformat('long') }}").render(
                day=date(2026, 12, 5))
    assert rendered == "2026. 12. 5. | 2026년 12월 5일"


def test_a_sentence_reads_the_same_in_every_package():
    """The catalogs are merged into one at run time, the last package's English winning, so a
    Korean sentence translated two ways reads one way everywhere (the menu's 의제 once read
    "Item"). Where Korean uses one word for two meanings, the source says which."""
    from core.catalogs import load

    english = {}
    for package in packages():
        for message in load(package):
            if message.id and message.string:
                english.setdefault((str(message.id), message.context), {})[package] = \
                    str(message.string)
    differing = {key[0]: found for key, found in english.items() if len(set(found.values())) > 1}
    assert differing == {}


def test_figures_drop_a_needless_decimal(ctx):
    from core.i18n import format_figure

    with force_locale("ko"):
        assert [format_figure(v) for v in (4.0, 3.25, 1234.5, 2, None)] == \
            ["4", "3.25", "1,234.5", "2", ""]
