#!/usr/bin/env python3
"""bench.py BUILD_DIR [RUNS]: times the real program against a baseline, one table.

Run under a display and a session bus (build-aux/dev.sh bench does). Each figure is
taken from the programs' own debug lines, stamped with CLOCK_MONOTONIC, which this script
reads too (time.monotonic_ns), so no polling or screen grabbing is involved.
"""

import os
import re
import signal
import statistics
import subprocess
import sys
import time

FIRST_FRAME = re.compile(rb"first-frame at (\d+) ")


def first_frame_us(argv, env):
    """Microseconds from spawning argv to its first frame."""
    start = time.monotonic_ns() // 1000
    # GLib writes debug messages to stdout.
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
    try:
        for line in process.stdout:
            match = FIRST_FRAME.search(line)
            if match:
                return int(match.group(1)) - start
        raise RuntimeError(f"{argv[0]} ended without drawing a frame")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def summary(samples_us):
    median = statistics.median(samples_us) / 1000
    low, high = min(samples_us) / 1000, max(samples_us) / 1000
    return median, f"{median:7.1f} ms ({low:.1f}–{high:.1f})"


def main():
    build = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    env = dict(os.environ,
               G_MESSAGES_DEBUG="tts-timing",
               GSETTINGS_BACKEND="memory",
               GSETTINGS_SCHEMA_DIR=os.path.join(build, "data"))
    program = [os.path.join(build, "src", "tastytrade-setup")]
    baseline = [os.path.join(build, "tests", "bench-baseline-window")]

    # Warm the page cache once, then alternate so drift hits both alike.
    first_frame_us(program, env)
    first_frame_us(baseline, env)
    ours, base = [], []
    for _ in range(runs):
        base.append(first_frame_us(baseline, env))
        ours.append(first_frame_us(program, env))

    ours_median, ours_text = summary(ours)
    base_median, base_text = summary(base)
    ratio = ours_median / base_median
    met = ratio <= 1.25

    print(f"{'Figure':<34} {'Program':<26} {'Baseline':<26} {'Ratio':>6}  Budget")
    print(f"{'Start to first frame':<34} {ours_text:<26} {base_text:<26} "
          f"{ratio:6.2f}  ≤ 1.25× {'met' if met else 'NOT MET'}")
    print(f"({runs} runs each; median, then min–max)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
