from forums import bp, services  # noqa: F401
