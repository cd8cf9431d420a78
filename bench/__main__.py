"""Run the benchmarks one after another, each in a process of its own: ``python -m bench``."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from bench.common import ROOT

BENCHMARKS = ("turns", "turns_limits", "fanout", "digest_scale", "footprint", "flood", "sync_cost")
"""Every benchmark, in the order of issues 8 and 14; each is also ``python -m bench.<name>``."""


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks (all by default); the exit code is the first failure's."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", choices=[[], *BENCHMARKS], metavar="NAME")
    parser.add_argument("--quick", action="store_true", help="smaller loads: a few minutes")
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    failed = 0
    began = time.perf_counter()
    for name in names:
        command = [sys.executable, "-m", f"bench.{name}"] + (["--quick"] if args.quick else [])
        print(f"\n### {' '.join(command[1:])}", flush=True)
        code = subprocess.call(command, cwd=ROOT)
        if code and not failed:
            failed = code
            print(f"### {name} failed with exit code {code}", flush=True)
    print(f"\n### {len(names)} benchmark(s) in {time.perf_counter() - began:.1f} s", flush=True)
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
