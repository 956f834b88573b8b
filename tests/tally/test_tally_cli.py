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
