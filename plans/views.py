"""The plans blueprint and its URL map. Each room's pages live beside its operations:
``public_pages`` (the plan as published, versions, what-if, JSON), ``console`` with
``building_pages``, ``review_pages`` and ``findings_pages`` (the organizers' plan console),
``progress_pages`` (progress and evaluation of a project), ``council_pages``,
``settings_pages`` and ``participation_pages`` (participation over the years), and
``city_board_pages`` (the city's board of every district's plan)."""

from flask import Blueprint

from plans import (
    building_pages,
    city_board_pages,
    console,
    council_pages,
    findings_pages,
    participation_pages,
    progress_pages,
    public_pages,
    review_pages,
    settings_pages,
)

bp = Blueprint("plans", __name__)

bp.add_url_rule("/plan", "current_plan", public_pages.current_plan)
bp.add_url_rule("/cycles/<int:cycle_id>/plan", "public_plan", public_pages.public_plan)
bp.add_url_rule("/cycles/<int:cycle_id>/plan/versions/<int:number>", "version_page",
                public_pages.version_page)
bp.add_url_rule("/cycles/<int:cycle_id>/plan/what-if", "what_if", public_pages.what_if_page)
bp.add_url_rule("/api/v1/cycles/<int:cycle_id>/plan", "plan_json", public_pages.plan_json)
bp.add_url_rule("/plans/manage", "manage", console.manage)
bp.add_url_rule("/plans/build", "build", building_pages.build, methods=["POST"])
bp.add_url_rule("/plans/build-from-vote", "build_from_vote",
                building_pages.build_from_vote, methods=["POST"])
bp.add_url_rule("/plans/<int:plan_id>/from-vote", "amend_from_vote",
                building_pages.amend_from_vote, methods=["POST"])
bp.add_url_rule("/plans/<int:plan_id>/projects", "add_project",
                building_pages.add_project, methods=["POST"])
bp.add_url_rule("/plans/projects/<int:project_id>/edit", "edit_project",
                building_pages.edit_project, methods=["GET", "POST"])
bp.add_url_rule("/plans/projects/<int:project_id>/milestones", "add_milestone",
                building_pages.add_milestone, methods=["POST"])
bp.add_url_rule("/plans/<int:plan_id>/submit", "submit", review_pages.submit, methods=["POST"])
bp.add_url_rule("/plans/<int:plan_id>/revise", "revise", review_pages.revise, methods=["POST"])
bp.add_url_rule("/plans/<int:plan_id>/comments", "add_comment",
                review_pages.add_comment, methods=["POST"])
bp.add_url_rule("/plans/<int:plan_id>/comments/<int:comment_id>/answer", "answer_comment",
                review_pages.answer_comment, methods=["POST"])
bp.add_url_rule("/plans/<int:plan_id>/comments/<int:comment_id>/resolve", "resolve_comment",
                review_pages.resolve_comment, methods=["POST"])
bp.add_url_rule("/plans/city-review", "city_review", review_pages.city_review)
bp.add_url_rule("/city", "city_board", city_board_pages.board_page)
bp.add_url_rule("/plans/<int:plan_id>/decision", "record_decision",
                review_pages.record_decision, methods=["POST"])
bp.add_url_rule("/plans/<int:plan_id>/override", "override",
                review_pages.override, methods=["POST"])
bp.add_url_rule("/plans/<int:plan_id>/reopen", "reopen", review_pages.reopen, methods=["POST"])
bp.add_url_rule("/plans/<int:plan_id>/findings", "add_finding",
                findings_pages.add_finding, methods=["POST"])
bp.add_url_rule("/plans/<int:plan_id>/findings/collect", "collect_findings",
                findings_pages.collect_findings, methods=["POST"])
bp.add_url_rule("/plans/<int:plan_id>/findings/<int:finding_id>/carry", "carry_finding",
                findings_pages.carry_finding, methods=["POST"])
bp.add_url_rule("/plans/<int:plan_id>/results", "share_results",
                findings_pages.share_results, methods=["POST"])
bp.add_url_rule("/plans/projects/<int:project_id>/report", "project_report",
                progress_pages.project_report)
bp.add_url_rule("/plans/projects/<int:project_id>/progress", "report_progress",
                progress_pages.report_progress, methods=["POST"])
bp.add_url_rule("/plans/projects/<int:project_id>/unit", "assign_unit",
                progress_pages.assign_unit, methods=["POST"])
bp.add_url_rule("/plans/my-projects", "my_projects", progress_pages.my_projects)
bp.add_url_rule("/plans/photos/<name>", "progress_photo", progress_pages.progress_photo)
bp.add_url_rule("/plans/projects/<int:project_id>/evaluations", "evaluate",
                progress_pages.evaluate, methods=["POST"])
bp.add_url_rule("/plans/council", "council", council_pages.council_page)
bp.add_url_rule("/plans/council/members", "add_member", council_pages.add_member, methods=["POST"])
bp.add_url_rule("/plans/council/members/<int:member_id>/renew", "renew_member",
                council_pages.renew_member, methods=["POST"])
bp.add_url_rule("/plans/council/members/retire", "retire_member",
                council_pages.retire_member, methods=["POST"])
bp.add_url_rule("/plans/council/members/replace", "replace_member",
                council_pages.replace_member, methods=["POST"])
bp.add_url_rule("/plans/council/meetings", "open_meeting",
                council_pages.open_meeting, methods=["POST"])
bp.add_url_rule("/plans/council/meetings/<int:meeting_id>", "meeting_page",
                council_pages.meeting_page)
bp.add_url_rule("/plans/council/meetings/<int:meeting_id>/attendance", "record_attendance",
                council_pages.record_attendance, methods=["POST"])
bp.add_url_rule("/plans/council/meetings/<int:meeting_id>/motions", "add_motion",
                council_pages.add_motion, methods=["POST"])
bp.add_url_rule("/plans/council/motions/<int:motion_id>/decide", "decide",
                council_pages.decide, methods=["POST"])
bp.add_url_rule("/plans/council/meetings/<int:meeting_id>/minutes", "record_minutes",
                council_pages.record_minutes, methods=["POST"])
bp.add_url_rule("/council/minutes", "published_minutes", council_pages.published_minutes)
bp.add_url_rule("/plans/settings", "settings_page",
                settings_pages.settings_page, methods=["GET", "POST"])
bp.add_url_rule("/plans/settings/limits", "set_budget_limit",
                settings_pages.set_budget_limit, methods=["POST"])
bp.add_url_rule("/plans/settings/limits/<int:limit_id>/delete", "remove_budget_limit",
                settings_pages.remove_budget_limit, methods=["POST"])
bp.add_url_rule("/plans/settings/rubric", "add_criterion",
                settings_pages.add_criterion, methods=["POST"])
bp.add_url_rule("/participation", "participation_history", participation_pages.history_page)
bp.add_url_rule("/participation/recorded", "recorded_participation",
                participation_pages.recorded_page)
bp.add_url_rule("/participation/recorded/save", "save_recorded_participation",
                participation_pages.save_recorded, methods=["POST"])
bp.add_url_rule("/participation/recorded/<int:record_id>/remove",
                "remove_recorded_participation", participation_pages.remove_recorded,
                methods=["POST"])
