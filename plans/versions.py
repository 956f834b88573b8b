"""Plan versions and their differences, as the city review reads them. Pure: snapshots are
plain dicts (``{"title", "total_budget", "projects": [{"id", "title", ...}]}``)."""

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    """One difference between two versions: ``kind`` is added, removed or changed;
    ``subject`` names the project (empty for the plan itself)."""

    kind: str
    subject: str
    attribute: str = ""
    before: object = None
    after: object = None


def diff_snapshots(old: Mapping, new: Mapping) -> list[Change]:
    """What changed from ``old`` to ``new``: plan fields, then projects by id in ``new``'s
    order (changed or added), then removed projects."""
    changes = [Change("changed", "", key, old.get(key), new.get(key))
               for key in ("title", "total_budget") if old.get(key) != new.get(key)]
    before = {p["id"]: p for p in old.get("projects", [])}
    after_ids = set()
    for project in new.get("projects", []):
        after_ids.add(project["id"])
        previous = before.get(project["id"])
        if previous is None:
            changes.append(Change("added", project["title"], "budget", None,
                                  project.get("budget")))
            continue
        for key in project:
            if key != "id" and previous.get(key) != project[key]:
                changes.append(Change("changed", project["title"], key, previous.get(key),
                                      project[key]))
    for project_id, project in before.items():
        if project_id not in after_ids:
            changes.append(Change("removed", project["title"], "budget", project.get("budget"),
                                  None))
    return changes
