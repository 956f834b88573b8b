"""The export kinds; importing this package registers them all."""

from exports.kinds import agenda, cycle, forum, participation, plan, vote  # noqa: F401
