"""Domain errors: raised by services, shown to the person in their language with a 4xx."""


class DomainError(Exception):
    """A request that cannot be carried out as asked; nothing was changed.

    ``message`` is a lazy translated string so it renders in the reader's language.
    ``field`` names the form field the message is about, when there is one, so the form
    shown again puts the message beside that field (see ``core.lifecycle``).
    """

    status = 422

    def __init__(self, message, status: int | None = None, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        if status is not None:
            self.status = status


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Forbidden(DomainError):
    status = 403
