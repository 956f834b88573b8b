"""The command line: one JSON object out, clear errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from voting.tally import applicable_methods, read_file

KEYS = {"method", "ballots", "candidates", "winners", "ranking", "ties", "scores", "rounds"}
FILES = [
    "preflib/00002-00000007.soi",
    "preflib/00002-00000008.toc",
    "preflib/00058-00000003.soi",
    "pabulib/Poland_Czestochowa_2024_Srodmiescie.pb",
    "pabulib/Poland_Krakow_2018_Stare_Miasto.pb",
    "pabulib/Poland_Swiecie_2023.pb",
    "pabulib/Switzerland_Zurich_D10.pb",
    "pabulib/US_Stanford_Dataset_Seattle_2019_District_6_vote_approvals.pb",
]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "voting.tally", *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("name", FILES)
def test_every_applicable_method_prints_one_json_object(data_dir, name):
    path = data_dir / name
    profile = read_file(path)
    for method in applicable_methods(profile):
        done = run(str(path), "--method", method, "--seed", "public-seed")
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert result.keys() >= KEYS
        assert result["method"] == method
        assert result["ballots"] == profile.voters
        assert result["candidates"] == list(profile.candidates)
        assert set(result["winners"]) <= set(result["candidates"])
        assert result["tie_break"]["seed"] == "public-seed"


def test_budget_option_overrides_the_file(data_dir):
    path = data_dir / "pabulib" / "Poland_Swiecie_2023.pb"
    done = run(str(path), "--method", "greedy", "--budget", "100000")
    result = json.loads(done.stdout)
    assert result["budget"] == 100000
    assert result["cost"] <= 100000


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("bad.soi", "# NUMBER ALTERNATIVES: 3\n2: 1,2\n1: 1,x\n", 3),
        ("bad.soc", "# NUMBER ALTERNATIVES: 3\n2: 1,2,3\n1: 1,2\n", 3),
        (
            "bad.pb",
            "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n"
            "a;10\nVOTES\nvoter_id;vote\n1;a\n2;a,zz\n",
            11,
        ),
        (
            "cost.pb",
            "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n"
            "a;ten\nVOTES\nvoter_id;vote\n1;a\n",
            7,
        ),
    ],
)
def test_malformed_file_names_the_line(tmp_path, name, text, line):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    done = run(str(path), "--method", "approval" if name.endswith(".pb") else "borda")
    assert done.returncode == 2
    assert f"line {line}" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def _soc(lines: list[str], header: str = "") -> str:
    """A .soc file over three alternatives with the given ballot lines."""
    return "# DATA TYPE: soc\n# NUMBER ALTERNATIVES: 3\n" + header + "".join(
        line + "\n" for line in lines
    )


# Enough good lines that the bulk reader takes the block before the bad line is found.
GOOD = ["3: 1,2,3", "2: 3,1,2", "1: 2,3,1"] * 400
PROJECTS = (
    "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\na;10\nb;20\n"
)


@pytest.mark.parametrize(
    ("name", "content", "line", "problem"),
    [
        ("cut.soc", _soc([*GOOD, "3: 1,2,"]), 1203, "empty place"),
        ("cut-line.soc", _soc([*GOOD, "3: 1,2"]), 1203, "ranks 2 of 3"),
        (
            "cut-lines.soc",
            _soc(GOOD[:-2], "# NUMBER VOTERS: 2400\n# NUMBER UNIQUE ORDERS: 1200\n"),
            3,
            "NUMBER VOTERS 2400, but the file has 2397 voters (is the file cut short?)",
        ),
        ("count.soc", _soc([*GOOD, "x: 1,2,3"]), 1203, "count 'x' is not a whole number"),
        ("negative.soc", _soc([*GOOD, "-1: 1,2,3"]), 1203, "count '-1' is not a whole number"),
        ("huge.soc", _soc([*GOOD, "1" * 30 + ": 1,2,3"]), 1203, "too large"),
        ("range.soc", _soc([*GOOD[:7], "1: 1,2,4", *GOOD]), 10, "'4' is not an alternative"),
        ("zero.soc", _soc([*GOOD, "1: 0,1,2"]), 1203, "'0' is not an alternative"),
        ("twice.soc", _soc([*GOOD, "1: 1,1,2"]), 1203, "appears twice"),
        ("twice.soi", _soc([*GOOD, "1: 2,2"]).replace("soc", "soi"), 1203, "appears twice"),
        ("two.soc", _soc([*GOOD, "1: 1 2,3"]), 1203, "'1 2' is not an alternative"),
        ("tie.soc", _soc([*GOOD, "1: {1,2},3"]), 1203, "has a tie"),
        (
            "voters.soc",
            _soc(GOOD, "# NUMBER VOTERS: 10\n"),
            3,
            "NUMBER VOTERS 10, but the file has 2400 voters",
        ),
        ("type.soc", _soc(GOOD).replace("DATA TYPE: soc", "DATA TYPE: toi"), 1, "DATA TYPE toi"),
        ("late.soc", _soc([*GOOD, "# NUMBER ALTERNATIVES: 4"]), 1203, "after the first ballot"),
        ("empty.soc", "", 1, "the file is empty"),
        ("empty.pb", "", 1, "the file is empty"),
        (
            "cut.pb",
            PROJECTS.replace("budget;100", "budget;100\nnum_votes;3")
            + "VOTES\nvoter_id;vote\n1;a\n2;b\n",
            4,
            "num_votes 3, but the file has 2",
        ),
        ("twice.pb", PROJECTS + "VOTES\nvoter_id;vote\n1;a\n2;b,a,b\n", 12, "appears twice"),
        ("width.pb", PROJECTS + "VOTES\nvoter_id;vote\n1;a\n2;b;x\n", 12, "3 fields"),
        (
            "points.pb",
            PROJECTS.replace("approval", "cumulative")
            + "VOTES\nvoter_id;vote;points\n1;a;3\n2;a,b;1,x\n",
            12,
            "points 'x' is not a number",
        ),
    ],
)
def test_bad_file_gets_one_line_naming_file_line_and_problem(tmp_path, name, content, line,
                                                             problem):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    done = run(str(path), "--method", "approval" if name.endswith(".pb") else "borda")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"error: {path}, line {line}: ")
    assert problem in done.stderr


@pytest.mark.parametrize("name", ["noise.soc", "noise.pb"])
def test_binary_file_is_refused_with_its_line(tmp_path, name):
    path = tmp_path / name
    text = _soc(GOOD) if name.endswith(".soc") else PROJECTS + "VOTES\nvoter_id;vote\n1;a\n"
    # An image or archive dropped in place of the ballots: bytes that are not UTF-8.
    path.write_bytes(text.encode() + b"\x89PNG\r\n\x1a\n\x00\xff\xfe" + bytes(range(256)))
    done = run(str(path), "--method", "approval" if name.endswith(".pb") else "borda")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    line = text.count("\n") + 1
    assert done.stderr.startswith(f"error: {path}, line {line}: not UTF-8 text")


def test_raw_mes_without_completion(data_dir):
    path = data_dir / "pabulib" / "Poland_Warszawa_2023_Wola.pb"
    raw = json.loads(run(str(path), "--method", "mes", "--completion", "none").stdout)
    completed = json.loads(run(str(path), "--method", "mes").stdout)
    assert raw["completion"] == "none" and raw["add1_steps"] == 0
    assert completed["completion"] == "add1" and completed["add1_steps"] > 0
    assert set(raw["winners"]) < set(completed["winners"])


def test_the_engine_imports_without_the_web_app():
    done = subprocess.run(
        [sys.executable, "-c", "import sys, voting.tally; print(sorted(sys.modules))"],
        capture_output=True, text=True, check=True,
    )
    loaded = {name.split(".")[0] for name in done.stdout.strip()[1:-1].replace("'", "").split(", ")}
    assert not loaded & {"flask", "flask_login", "flask_babel", "sqlalchemy", "wtforms", "jinja2"}
    assert "voting.views" not in done.stdout and "voting.models" not in done.stdout


def test_unknown_method_exits_2(data_dir):
    done = run(str(data_dir / "preflib" / "00002-00000007.soi"), "--method", "plurality")
    assert done.returncode == 2
    assert "plurality" in done.stderr and "Traceback" not in done.stderr


def test_method_for_another_vote_type_exits_2(data_dir):
    done = run(str(data_dir / "preflib" / "00002-00000007.soi"), "--method", "mes")
    assert done.returncode == 2
    assert "does not apply" in done.stderr and "Traceback" not in done.stderr
    done = run(str(data_dir / "preflib" / "00002-00000008.toc"), "--method", "irv")
    assert done.returncode == 2
    assert "ties" in done.stderr


def test_missing_file_exits_2(tmp_path):
    done = run(str(tmp_path / "absent.soi"), "--method", "borda")
    assert done.returncode == 2
    assert "cannot read" in done.stderr and "Traceback" not in done.stderr
