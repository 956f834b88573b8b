"""Command line: ``python -m voting.tally FILE --method M [--seats K] [--budget B] [--seed S]
[--completion add1|greedy|none]``.

Prints one JSON object; ``by_lot`` lists the winners whose seat the published lot may have
decided.  A malformed file, an unknown method, one that does not apply to the file's ballots,
or an option the method cannot honour (``--seats`` for the budgeting methods, more seats than
candidates, ``--completion`` for any method but mes) ends with a one-line message on stderr
(the file, the line, the problem), nothing on stdout, and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import COMPLETIONS, METHODS, MethodError, ParseError, ProfileError, read_file, tally


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m voting.tally",
        description="Count a PrefLib or Pabulib file and print the result as JSON.",
    )
    parser.add_argument("file", help="a .soc, .soi, .toc, .toi or .pb file")
    parser.add_argument("--method", required=True, choices=METHODS)
    parser.add_argument("--seats", type=int,
                        help="winners to elect (default 1); every method but greedy and mes, "
                             "irv as sequential IRV")
    parser.add_argument("--budget", type=int, help="overrides a .pb file's own budget")
    parser.add_argument("--seed", help="seed of the published lot that breaks ties")
    parser.add_argument("--completion", choices=tuple(COMPLETIONS),
                        help="how mes spends what equal shares leave: add1 (default), greedy, "
                             "or none (raw MES)")
    args = parser.parse_args(argv)
    try:
        profile = read_file(args.file)
        result = tally(profile, args.method, seats=args.seats, budget=args.budget, seed=args.seed,
                       completion=args.completion)
    except OSError as error:
        print(f"error: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    except ParseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (MethodError, ProfileError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    json.dump(result.to_dict(), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
