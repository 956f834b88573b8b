"""Agenda pages: browse, propose, item page with support and comments, coordination console."""

from flask import abort, render_template
from flask_login import current_user

from agenda import bp, services
from core.auth import public
from core.errors import DomainError
from core.tenancy import current_district


def _district_or_404():
    district = current_district()
    if district is None:
        abort(404)
    return district


def _item_or_404(district, item_id: int):
    try:
        item = services.get_item(district.id, item_id)
    except DomainError:
        abort(404)
    if not services.can_view(item, current_user, district.id):
        abort(404)
    return item


@bp.route("/agenda/<int:item_id>")
@public
def item_page(item_id: int):
    district = _district_or_404()
    item = _item_or_404(district, item_id)
    return render_template("agenda/item.html", item=item, district=district)
