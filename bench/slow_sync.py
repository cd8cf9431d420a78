"""A slow disk for the benchmarks: every fsync and fdatasync of a process waits a set time
first, through a small LD_PRELOAD library (compiled here with the C compiler on first use).

    env = slow_sync_env(2.0)   # 2 ms per sync, for a subprocess's environment

The variable is not named CONCERNBOT_…: bench.common.bot_environment drops those. Both
SQLite's own syncs (synchronous=FULL) and any the bot makes itself pass through libc's
``fsync``/``fdatasync``, so both sides of a comparison pay the same per sync."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from bench.common import RESULTS

SOURCE = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static void pause_for_sync(void) {
    static long delay_us = -1;
    if (delay_us < 0) {
        const char *value = getenv("BENCH_SLOW_SYNC_US");
        delay_us = value ? atol(value) : 0;
    }
    if (delay_us > 0) {
        struct timespec wait = {delay_us / 1000000, (delay_us % 1000000) * 1000};
        nanosleep(&wait, NULL);
    }
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    pause_for_sync();
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    pause_for_sync();
    return real(fd);
}
"""


class NoCompiler(RuntimeError):
    """There is no C compiler to build the slow-sync library with."""


def library() -> Path:
    """The compiled library (built once per source version, under bench/results)."""
    digest = hashlib.sha256(SOURCE.encode()).hexdigest()[:12]
    built = RESULTS / f"slow_sync-{digest}.so"
    if built.exists():
        return built
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise NoCompiler("a slow disk needs a C compiler (cc or gcc) to build its library")
    RESULTS.mkdir(parents=True, exist_ok=True)
    source = built.with_suffix(".c")
    source.write_text(SOURCE)
    partial = built.with_suffix(".partial")
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-O2", "-o", str(partial), str(source), "-ldl"],
        check=True,
    )
    partial.replace(built)
    return built


def slow_sync_env(milliseconds: float) -> dict[str, str]:
    """Environment entries that make each sync of a process take ``milliseconds`` longer."""
    if milliseconds <= 0:
        return {}
    return {
        "LD_PRELOAD": str(library()),
        "BENCH_SLOW_SYNC_US": str(round(milliseconds * 1000)),
    }
