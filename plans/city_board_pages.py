"""The city's board page (``/city``): for city accounts, whichever district's path it is
reached by; each district's card links to its city review page at the district's path."""

from flask import render_template
from flask_login import current_user

from core import districts
from core.auth import CITY_ROLE_LABELS, city_account_required
from plans import city_board


@city_account_required
def board_page():
    rows = city_board.board()
    links = {row.district.id: districts.path_at(row.district, "plans.city_review",
                                                cycle=row.plan.cycle_id)
             for row in rows if row.plan is not None}
    # The whole city's page: the header names Seoul, not the district of the path it came by.
    return render_template("plans/city_board.html", rows=rows, links=links,
                           role_label=CITY_ROLE_LABELS[current_user.city_role],
                           site_district=None, city_wide=True)
