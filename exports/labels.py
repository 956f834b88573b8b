"""Every label exports shows for a stored value: file formats, job states and the actions of
an agenda item's history, in Korean with English in the catalog. Keyed by the stored value
(``JobState`` is a string enum, so its members look labels up as their values do)."""

from flask_babel import lazy_gettext as _l

FORMAT_LABELS = {
    "csv": _l("CSV (엑셀에서 열림)"),
    "xlsx": _l("엑셀 XLSX"),
    "pdf": _l("PDF 보고서"),
    "json": _l("JSON"),
    "preflib": _l("PrefLib (순위 투표)"),
    "pabulib": _l("Pabulib (참여예산형 투표)"),
}

STATE_LABELS = {
    "queued": _l("대기 중"),
    "running": _l("만드는 중"),
    "done": _l("완료"),
    "failed": _l("실패"),
}

ACTION_LABELS = {
    "proposed": _l("제안"), "edited": _l("수정"), "status": _l("상태 변경"),
    "merged_into": _l("통합됨"), "fused": _l("통합 의제 생성"), "merge_undone": _l("통합 취소"),
    "assigned": _l("부서 매칭"), "duplicate": _l("기존 사업과 중복"),
    "shortlisted": _l("최종 후보 선정"), "hidden": _l("숨김"), "unhidden": _l("숨김 해제"),
    "adopted": _l("연중 제안 편입"),
}
