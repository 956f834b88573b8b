"""What organizers type into a plan, cleaned the same way in every room: free text within a
length, required text, and sums of money within the plan's range."""


from flask_babel import lazy_gettext as _l

from core.errors import DomainError
from core.i18n import lazy_message

MAX_BUDGET = 1_000_000_000_000
TEXT_MAX = 5_000


def clean_text(text: str | None, max_length: int = TEXT_MAX) -> str:
    text = (text or "").strip()
    if len(text) > max_length:
        raise DomainError(lazy_message("%(n)d자 이내로 적으세요.", n=max_length))
    return text


def required_text(text: str | None, message, max_length: int = TEXT_MAX) -> str:
    text = clean_text(text, max_length)
    if not text:
        raise DomainError(message)
    return text


def budget_amount(amount) -> int:
    if amount is None or not 0 <= int(amount) <= MAX_BUDGET:
        raise DomainError(_l("예산은 0원 이상이어야 합니다."))
    return int(amount)
