"""Domain errors: raised by services, shown to the person in their language with a 4xx."""


class DomainError(Exception):
    """A request that cannot be carried out as asked; nothing was changed.

    ``message`` is a lazy translated string so it renders in the reader's language.
    """

    status = 422

    def __init__(self, message, status: int | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        if status is not None:
            self.status = status


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Forbidden(DomainError):
    status = 403
