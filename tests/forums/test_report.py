"""The plain sentence under each question says what the interval allows, no more."""

from forums import analysis, report


def _option(label: str, both: int, moved_in: int, moved_out: int, neither: int) -> dict:
    n = both + moved_in + moved_out + neither
    return {"label": label,
            "paired_pre": {"percent": analysis.percent(both + moved_out, n)},
            "paired_post": {"percent": analysis.percent(both + moved_in, n)},
            "shift": analysis.paired_difference(both, moved_in, moved_out, neither)}


def test_a_shift_whose_interval_holds_zero_is_called_possible_chance(ctx):
    options = [_option("동네 축제", 10, 4, 2, 34), _option("<b>안전</b>", 5, 1, 1, 43)]
    summary = report.question_summary(50, options)
    assert summary["ko"].startswith(
        "토론 전과 후에 모두 답한 50명 가운데 ‘동네 축제’를 고른 사람이 24%에서 28%로 바뀌었지만")
    assert "0을 포함하므로 우연일 수 있습니다" in summary["ko"]
    assert "may be chance" in summary["en"] and "‘동네 축제’" in summary["en"]


def test_a_clear_fall_is_told_with_its_interval(ctx):
    options = [_option("<b>안전</b>", 2, 0, 20, 28), _option("동네 축제", 10, 2, 0, 38)]
    shift = options[0]["shift"]
    summary = report.question_summary(50, options)
    low, high = (round(v * 100) for v in shift["ci"])
    # The label stays as typed in the plain text; pages escape it like any text.
    assert summary["ko"] == ("토론 전과 후에 모두 답한 50명 가운데 ‘<b>안전</b>’을(를) 고른 사람이 "
                             f"44%에서 4%로 줄었습니다(변화의 95% 신뢰구간 −{-low}~−{-high}%p).")
    assert "fell from 44% to 4%" in summary["en"]


def test_no_pairs_and_no_change_say_so(ctx):
    assert report.question_summary(0, [])["ko"] == (
        "토론 전과 후에 모두 답한 사람이 없어 의견 변화를 잴 수 없습니다.")
    unchanged = report.question_summary(40, [_option("동네 축제", 10, 0, 0, 30)])
    assert unchanged["en"] == ("Among the 40 people who answered both before and after the "
                               "discussion, no option's share changed.")
