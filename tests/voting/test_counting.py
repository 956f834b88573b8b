"""Budget ballots are counted in won: MES gives the engine's own outcome, not a coarser one."""

from voting.counting import FoldedBallots, build_profile, count
from voting.rules import BallotType
from voting.tally import tally

COSTS = [6_000_000, 20_000_000, 14_000_000, 17_000_000, 19_000_000, 40_000_000, 15_000_000]
BUDGET = 60_000_000


def _rows() -> FoldedBallots:
    ballots = [[0, 3], [0, 6], [3, 6], [2, 3], [0, 2, 6], [1, 4], [5], [3], [0, 3, 6], [2]]
    return FoldedBallots.from_choices(BallotType.BUDGET, len(COSTS), [
        (n, item, 1) for n, chosen in enumerate(ballots) for item in chosen])


def test_mes_in_won_matches_the_engine_and_stays_within_budget():
    candidates = [str(n) for n in range(len(COSTS))]
    result = count(BallotType.BUDGET, "mes", candidates, _rows(), costs=COSTS, budget=BUDGET,
                   seed="s")
    engine = tally(build_profile(BallotType.BUDGET, candidates, _rows(), COSTS, BUDGET), "mes",
                   budget=BUDGET, seed="s").to_dict()
    assert result["winners"] == engine["winners"]
    assert "cost_unit" not in result
    spent = sum(COSTS[int(w)] for w in result["winners"])
    assert spent == result["cost"] <= BUDGET
    # Steps of a fraction of a share: completion adds what a step of one million won per voter
    # would have jumped past.
    assert result["add1_unit"] < 1_000_000 and result["add1_steps"] > 0
