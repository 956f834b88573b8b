"""The whole demo: 강동구 with every package's part in the order the year runs (people,
agenda intake, the priority votes, the round-table forum, the annual plan), then 성동구 as a
second district with its own cycle and its participation over the years."""

from accounts import demo as accounts_demo
from agenda import demo as agenda_demo
from forums import demo as forums_demo
from plans import demo as plans_demo
from plans import seongdong_demo
from voting import demo as voting_demo


def seed() -> list[str]:
    """Load (or complete) the demo; safe to run again. Returns lines worth printing."""
    accounts = accounts_demo.seed()
    accounts += agenda_demo.seed()
    district = accounts_demo.seed_district()
    cycle = next(c for c in district.cycles if c.year == 2027)
    voting_demo.seed()
    forum = forums_demo.seed(district, cycle)
    plan = plans_demo.seed(district, cycle)
    seongdong = seongdong_demo.seed()
    lines = ["Demo accounts (email / password / role):"]
    lines += [f"  {email}  {password}  {role}" for email, password, role in accounts]
    lines += [f"  {email}  {password}  facilitator"
              for email, password, _name in forums_demo.FACILITATORS[1:]]
    lines.append(f"Demo forum {forum.id}: {forum.title} (join code {forum.join_code})")
    lines.append(f"Demo plan {plan.id}: {plan.title} ({plan.status})")
    lines.append(f"Second district: {seongdong.name_ko} ({seongdong.slug}), its 2023 cycle "
                 f"and participation since 2019")
    return lines
