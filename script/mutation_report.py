"""Run mutmut on the rules core and judge the result (called by script/mutation).

The score of a file is killed ÷ (mutants − reviewed equivalent mutants). A mutant counts as
killed when a test failed or timed out under it. A surviving mutant is "equivalent" only if it
matches an entry of script/mutation_equivalents.toml: the same function, the same original line and
the same mutated line. Entries name lines, not mutant numbers, because mutmut renumbers a
function's mutants whenever the function changes; an entry that no longer matches anything is
reported, so the list cannot silently go stale.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = ROOT / ".venv" / "bin" / "mutmut"
EQUIVALENTS = ROOT / "script" / "mutation_equivalents.toml"
LOG = ROOT / "var" / "mutation.log"
# The digest of what the last passing full run judged (see inputs_digest); committed with it.
PASSED = ROOT / "script" / "mutation_passed.sha256"
KILLED = {"killed", "timeout", "segfault"}
SURVIVED = {"survived", "no tests", "suspicious", "check was interrupted by user", "not checked"}


@dataclass(frozen=True)
class Mutant:
    name: str  # cityhall.rules.deadlines.x_compute_deadline__mutmut_50
    status: str

    @property
    def module(self) -> str:
        return self.name.split(".x", 1)[0] if ".x" in self.name else self.name.rsplit(".", 1)[0]

    @property
    def function(self) -> str:
        return re.sub(r"__mutmut_\d+$", "", self.name)


def _norm(line: str) -> str:
    return " ".join(line.split())


def diff_of(name: str) -> tuple[str, str]:
    """The original and the mutated line of one mutant, from ``mutmut show``."""
    out = subprocess.run([MUTMUT, "show", name], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    minus = [_norm(x[1:]) for x in out.splitlines() if x.startswith("-") and not x.startswith("---")]
    plus = [_norm(x[1:]) for x in out.splitlines() if x.startswith("+") and not x.startswith("+++")]
    return " / ".join(minus), " / ".join(plus)


def results() -> list[Mutant]:
    out = subprocess.run(
        [MUTMUT, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    mutants = []
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and "__mutmut_" in name:
            mutants.append(Mutant(name, status.strip()))
    return mutants


def inputs_digest() -> str:
    """SHA-256 over everything a mutation verdict depends on.

    The mutated files and the rest of the rules core, the selected tests with their conftest files,
    the reviewed equivalents, the mutmut settings in pyproject.toml and the pinned packages. The
    same inputs give the same mutants and the same verdicts, so a run over unchanged inputs would
    only repeat the last one. The rulebook's records are left out on purpose: they are data that
    every session adds to, not code under mutation, and script/test checks each of them on every
    run; a new record adds test cases (more kills, never fewer).
    """
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    paths: set[Path] = set()
    for folder in ("cityhall/rules",):
        paths.update(p for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for selected in config["pytest_add_cli_args_test_selection"]:
        target = ROOT / selected
        paths.update(target.rglob("*.py") if target.is_dir() else [target])
    paths.update(ROOT.glob("tests/**/conftest.py"))
    paths.update([EQUIVALENTS, ROOT / "requirements" / "lock.txt", Path(__file__)])
    digest = hashlib.sha256(repr(sorted(config.items())).encode())
    for path in sorted(paths):
        if path.exists():
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-file", type=float, default=90.0, help="lowest score per file, %% (default 90)")
    parser.add_argument("--min-total", type=float, default=92.0, help="lowest score overall, %% (default 92)")
    parser.add_argument("--no-run", action="store_true", help="judge the last run in mutants/ without re-running")
    parser.add_argument("--only", nargs="+", metavar="FILE", help="only these files, e.g. cityhall/rules/acting.py")
    parser.add_argument(
        "--if-changed",
        action="store_true",
        help=f"skip the run when the inputs match the last passing full run ({PASSED.relative_to(ROOT)})",
    )
    args = parser.parse_args(argv)
    digest = inputs_digest()
    if args.if_changed and not args.only and PASSED.exists() and PASSED.read_text().split()[0] == digest:
        print(f"==> mutation: inputs unchanged since the last passing run ({digest[:12]}), not re-run")
        print(PASSED.read_text().split("\n", 1)[1].strip())
        return 0

    started = time.perf_counter()
    modules = [f.removesuffix(".py").replace("/", ".") for f in args.only or []]
    patterns = [f"{m}.*" for m in modules]
    if not args.no_run:
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)  # a stale cache would reuse old verdicts
        LOG.parent.mkdir(exist_ok=True)
        print(f"==> mutmut run (progress in {LOG.relative_to(ROOT)})", flush=True)
        env = os.environ.copy()
        env.pop("CITYHALL_TEST_DATABASE_URL", None)  # the rules tests run on SQLite
        with LOG.open("w") as log:
            proc = subprocess.run([MUTMUT, "run", *patterns], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        if proc.returncode != 0:
            print(LOG.read_text()[-3000:])
            print(f"mutmut run failed with exit code {proc.returncode}", file=sys.stderr)
            return 2
    mutants = [m for m in results() if not modules or m.module in modules]
    if not mutants:
        print("mutmut reported no mutants", file=sys.stderr)
        return 2

    reviewed = tomllib.loads(EQUIVALENTS.read_text(encoding="utf-8")).get("equivalent", [])
    keys = {(e["function"], _norm(e["original"]), _norm(e["mutated"])): e for e in reviewed}
    used: set[tuple[str, str, str]] = set()
    per_file: dict[str, Counter[str]] = defaultdict(Counter)
    unexplained: list[tuple[Mutant, str, str]] = []
    for m in mutants:
        counts = per_file[m.module]
        counts["total"] += 1
        if m.status in KILLED:
            counts["killed"] += 1
            continue
        if m.status == "skipped":
            counts["skipped"] += 1
            continue
        original, mutated = diff_of(m.name)
        key = (m.function, original, mutated)
        if key in keys:
            used.add(key)
            counts["equivalent"] += 1
        else:
            counts["survived"] += 1
            unexplained.append((m, original, mutated))

    failed = False
    print(f"{'file':<34} {'mutants':>8} {'killed':>7} {'survived':>9} {'equiv.':>7} {'score':>7}")
    total: Counter[str] = Counter()
    for module in sorted(per_file):
        c = per_file[module]
        total.update(c)
        judged = c["total"] - c["equivalent"] - c["skipped"]
        score = 100.0 * c["killed"] / judged if judged else 100.0
        low = score < args.min_file
        failed |= low
        path = module.replace(".", "/") + ".py"
        print(
            f"{path:<34} {c['total']:>8} {c['killed']:>7} {c['survived']:>9} {c['equivalent']:>7} {score:>6.1f}%"
            + ("  ← below the threshold" if low else "")
        )
    judged = total["total"] - total["equivalent"] - total["skipped"]
    score = 100.0 * total["killed"] / judged if judged else 100.0
    failed |= score < args.min_total

    if unexplained:
        print(
            "\nSurviving mutants (a test is missing, or review one as equivalent in script/mutation_equivalents.toml):"
        )
        for m, original, mutated in unexplained:
            print(f"  {m.name}\n    - {original}\n    + {mutated}")
    stale = [e for k, e in keys.items() if k not in used]
    if stale:
        print("\nReviewed equivalents that matched no surviving mutant (remove or update them):")
        for e in stale:
            print(f"  {e['function']}: {e['original']}  →  {e['mutated']}")
    minutes = (time.perf_counter() - started) / 60
    print(
        f"\nthresholds: each file ≥ {args.min_file:g}%, overall ≥ {args.min_total:g}%; took {minutes:.1f} min"
        + ("; FAILED" if failed else "")
    )
    print(
        f"RESULT score={score:.1f} killed={total['killed']} survived={total['survived']}"
        f" equivalent={total['equivalent']} mutants={total['total']}"
    )
    if not failed and not args.only and not args.no_run:
        PASSED.write_text(
            f"{digest}\nRESULT score={score:.1f} killed={total['killed']} survived={total['survived']}"
            f" equivalent={total['equivalent']} mutants={total['total']} (took {minutes:.1f} min)\n"
        )
        print(f"recorded the inputs' digest in {PASSED.relative_to(ROOT)}: commit it with the change")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
