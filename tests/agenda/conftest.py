from datetime import date

import pytest

# A day inside the demo 2027 cycle's intake phase (2026-09-01 … 2026-12-31).
INTAKE_DAY = date(2026, 10, 15)


@pytest.fixture
def ctx(app):
    """A request context rather than a bare app context: refusals carry messages translated
    into the reader's language, and services raise them directly in these tests."""
    with app.test_request_context():
        yield app


@pytest.fixture
def make_item(ctx, district, make_user):
    """A published proposal by a fresh resident (or ``author``), committed."""
    from agenda import intake, proposals
    from core.db import commit

    counter = iter(range(1, 10_000))

    def make(title: str | None = None, author=None, field: str = "welfare",
             estimated_cost: int | None = None, district_=None, draft: bool = False,
             **extra):
        if author is None and district_ is not None:
            # Only a member proposes in a district: a resident of that other district.
            from accounts.services import create_user
            from core.auth import Role

            author = create_user(f"resident-{district_.slug}-{next(counter)}@example.kr",
                                 "correct horse battery", Role.RESIDENT, district_)
        author = author or make_user("resident")
        data = proposals.Proposal(
            title=title or f"의제 {next(counter)}", description=extra.pop("description", "설명"),
            field=field, kind=extra.pop("kind", "problem_solving"),
            estimated_cost=estimated_cost, **extra,
        )
        item = intake.propose(district_ or district, author, data, INTAKE_DAY, draft=draft)
        commit()
        return item

    return make


def fused_proposal(title: str = "통합 의제"):
    from agenda.proposals import Proposal

    return Proposal(title=title, description="여러 제안을 하나로 모았습니다.", field="welfare",
                    kind="problem_solving")
