"""Migration 0015c turns the channel an item came through, until then written (if at all)
into the free-text proposing group, into ``agenda_item.channel`` (seed 002 §6.1–6.2's
channels)."""

from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app import create_app
from core.db import db
from tests.conftest import base_config

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")

GROUPS = {
    "강동구 주민참여예산위원회": "participatory_budget",
    "동 주민참여예산 회의": "participatory_budget",
    "구청장에게 바란다 제안제도": "proposal_scheme",
    "천호제3동 동 계획": "dong_plan",
    "성내1동 지역협력분과": "dong_plan",
    "기후환경과 부서 제안": "department",
    "암사동 밥상모임": "resident",
    "": "resident",
}


def test_the_free_text_channel_becomes_data_and_the_downgrade_keeps_the_text(tmp_path):
    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'migrate.sqlite3'}"))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0014b")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO district (id, slug, name_ko, name_en, created_at) "
                "VALUES (1, 'gangdong', '강동구', 'Gangdong-gu', CURRENT_TIMESTAMP)"))
            for number, group in enumerate(GROUPS, start=1):
                connection.execute(text(
                    "INSERT INTO agenda_item (id, district_id, proposing_group, title, "
                    "description, field, kind, status, is_draft, is_fused, year_round, "
                    "decline_reason, shortlisted_for_forum, shortlisted_for_vote, "
                    "shortlist_reason, department, civil_partners, duplicate_of_project, "
                    "hidden_reason, created_at, updated_at) VALUES (:id, 1, :group, :title, "
                    "'', 'welfare', 'problem_solving', 'proposed', 0, 0, 0, '', 0, 0, '', '', "
                    "'', '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                    {"id": number, "group": group, "title": f"의제 {number}"})
        upgrade(directory=MIGRATIONS, revision="0015c")
        with db.engine.connect() as connection:
            found = dict(connection.execute(text(
                "SELECT proposing_group, channel FROM agenda_item")).all())
        assert found == GROUPS
        downgrade(directory=MIGRATIONS, revision="0014b")
        with db.engine.connect() as connection:
            kept = [row[0] for row in connection.execute(text(
                "SELECT proposing_group FROM agenda_item ORDER BY id"))]
        assert kept == list(GROUPS)
        db.engine.dispose()
