#!/usr/bin/env python3
"""bench.py BUILD_DIR [RUNS] [-v] [--flood]: the real program against baselines, in one table.

Run under a display and a session bus (build-aux/dev.sh bench and the meson bench suite do).
Every moment comes from the programs' own debug lines and the fake service's TIMING lines,
stamped with CLOCK_MONOTONIC like time.monotonic_ns here: the script waits on those lines,
never on sleeps, except for the fixed idle window. Keys go in with xdotool, as a user's would.
Exit status: 0 when every budget is met, 1 when one is not, 2 when a step failed.
"""

import argparse
import ctypes
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

STEP_TIMEOUT = 30       # seconds any awaited event may take
# WebKit reads the screen's work area once, about 3 s after a page loads: the window starts
# after that one-off, to count what recurs.
SETTLE = 4.0            # seconds before the idle window
IDLE_WINDOW = 4.0       # seconds of counting wake-ups on the login page
WINDOW_NAME = "^Tastytrade API Setup$"
CLIENT_ID, CLIENT_SECRET = "demo-client-id", "demo-client-secret"
PROGRAM_LINE = re.compile(rb"tts-timing-DEBUG: [\d:.]+: (.+) at (\d+) ")
FAKE_LINE = re.compile(rb"^(?:(AUTH_URL|API_URL)=(\S+)|TIMING (\S+) (\S+) (\d+) (\d+))$")


class StepFailed(Exception):
    pass


def now_us():
    return time.monotonic_ns() // 1000


def parse_program(line):
    match = PROGRAM_LINE.search(line)
    return match and (match[1].decode(), int(match[2]))


def parse_fake(line):
    match = FAKE_LINE.match(line.rstrip(b"\n"))
    if match is None:
        return None
    if match[1]:
        return match[1].decode(), match[2].decode()
    request = f"{match[3].decode()} {match[4].decode()}"
    return "TIMING", request, int(match[5]), int(match[6])


def proc_table():
    """pid → (state, ppid, session) of every process."""
    table = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        table[int(entry)] = (fields[0].decode(), int(fields[1]), int(fields[3]))
    return table


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "(gone)"


def reap_orphans():
    """Reaps the dead processes we adopted as subreaper; then proc_table()."""
    table = proc_table()
    for pid, (state, ppid, _) in table.items():
        if state == "Z" and ppid == os.getpid():
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
    return table


def family(pid, table):
    """The processes of pid's session and all its descendants (WebKit's included)."""
    members = {p for p, (_, _, sid) in table.items() if sid == pid} | {pid}
    grew = True
    while grew:
        more = {p for p, (_, ppid, _) in table.items() if ppid in members} - members
        members |= more
        grew = bool(more)
    return members


class Watched:
    """A process in its own session whose stdout lines are parsed in a thread."""

    def __init__(self, name, argv, env, parse):
        self.name, self.items, self.ended = name, [], False
        self.condition = threading.Condition()
        self.process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        self.pid = self.process.pid
        threading.Thread(target=self._read, args=(parse,), daemon=True).start()

    def _read(self, parse):
        for line in self.process.stdout:
            item = parse(line)
            with self.condition:
                if item:
                    self.items.append(item)
                    self.condition.notify_all()
        with self.condition:
            self.ended = True
            self.condition.notify_all()

    def wait(self, find, step):
        """find(items)'s first answer that is not None; StepFailed after STEP_TIMEOUT."""
        deadline = time.monotonic() + STEP_TIMEOUT
        with self.condition:
            while (found := find(self.items)) is None:
                if self.ended:
                    raise StepFailed(f"{self.name} ended while waiting for {step}")
                if not self.condition.wait(deadline - time.monotonic()):
                    raise StepFailed(f"timed out after {STEP_TIMEOUT} s waiting for {step}")
            return found

    def event(self, name, step, nth=1):
        """The time of the nth `name` event."""
        def find(items):
            times = [t for n, t, *_ in items if n == name]
            return times[nth - 1] if len(times) >= nth else None
        return self.wait(find, step)

    def stop(self):
        """SIGTERM to the session, then wait until each of its processes has exited."""
        signalled = set()
        deadline = time.monotonic() + STEP_TIMEOUT
        while True:
            self.process.poll()
            table = reap_orphans()
            alive = {pid for pid in family(self.pid, table) if table.get(pid, "Z")[0] != "Z"}
            if not alive:
                return
            if time.monotonic() > deadline:
                for pid in alive:
                    os.kill(pid, signal.SIGKILL)
                left = ", ".join(f"{pid} {comm(pid)}" for pid in sorted(alive))
                raise StepFailed(f"{self.name} did not end: {left} still running")
            # Again for any process started since, as WebKit may while it ends.
            for pid in alive - signalled:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            signalled |= alive
            time.sleep(0.02)


def xdotool(*args):
    # Not chained: "type" takes every argument after it as text.
    try:
        return subprocess.run(["xdotool", *args], check=True, timeout=STEP_TIMEOUT,
                              stdout=subprocess.PIPE, text=True).stdout
    except (subprocess.SubprocessError, OSError) as error:
        raise StepFailed(f"xdotool {' '.join(args[:2])}: {error}") from None


def vm_hwm(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"^VmHWM:\s+(\d+) kB", f.read(), re.M)[1])


def thread_switches(pid):
    """tid → (name, voluntary + involuntary context switches) of pid's threads."""
    counts = {}
    for tid in map(int, os.listdir(f"/proc/{pid}/task")):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                status = f.read()
        except OSError:
            continue
        switches = re.findall(r"^(?:non)?voluntary_ctxt_switches:\s+(\d+)", status, re.M)
        counts[tid] = ("main thread" if tid == pid else name, sum(map(int, switches)))
    return counts


def idle_wakeups(pid):
    """Wake-ups per second by thread name over the idle window, after settling."""
    time.sleep(SETTLE)
    before, start = thread_switches(pid), time.monotonic()
    time.sleep(IDLE_WINDOW)
    after, elapsed = thread_switches(pid), time.monotonic() - start
    rates = {}
    for tid, (name, count) in after.items():
        rate = (count - before.get(tid, (name, 0))[1]) / elapsed
        rates[name] = rates.get(name, 0.0) + rate
    return rates


FLOOD_BYTES = 300 * 1024 * 1024


def flood(pid):
    """A 300 MB POST to the redirect listener while the program waits, sent whole whatever
    the answer, as an attacker would; then a GET must still be answered. Its figures."""
    before = vm_hwm(pid)
    start = time.monotonic()
    answered, sent, status = None, 0, b""
    chunk = b"x" * (1024 * 1024)
    with socket.create_connection(("127.0.0.1", 8000), timeout=STEP_TIMEOUT) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
                  b"Content-Length: %d\r\n\r\n" % FLOOD_BYTES)
        s.setblocking(False)
        try:
            while sent < FLOOD_BYTES:
                try:
                    data = s.recv(4096)
                    if data and answered is None:
                        answered, status = sent, data.split(b"\r\n", 1)[0]
                except BlockingIOError:
                    pass
                try:
                    sent += s.send(chunk[:FLOOD_BYTES - sent])
                except BlockingIOError:
                    time.sleep(0.001)
        except (BrokenPipeError, ConnectionResetError):
            pass
    elapsed = time.monotonic() - start
    with socket.create_connection(("127.0.0.1", 8000), timeout=STEP_TIMEOUT) as s:
        s.sendall(b"GET /favicon.ico HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n")
        after_get = s.recv(4096).split(b"\r\n", 1)[0]
    return {"before": before, "after": vm_hwm(pid), "sent": sent, "answered_after": answered,
            "status": status.decode(errors="replace"), "seconds": elapsed,
            "then": after_get.decode(errors="replace")}


class Fake:
    """The fake tastytrade, once for the whole bench, logging how long each answer took."""

    def __init__(self, build, env):
        self.watched = Watched("the fake service", [
            os.path.join(build, "tests", "fake-tastytrade"), "--log-timings"], env, parse_fake)
        self.auth_url = self.watched.event("AUTH_URL", "the fake service to start")
        self.api_url = self.watched.event("API_URL", "the fake service to start")
        self.marks = 0

    def answered_between(self, start, end):
        """[(request, µs)] the fake answered from start to end."""
        # A request of ours after those: once its line is in, theirs are too.
        self.marks += 1
        mark = f"/bench-mark-{self.marks}"
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            direct.open(self.api_url + mark, timeout=STEP_TIMEOUT)
        except urllib.error.HTTPError:
            pass                                        # 404, as it should be
        except OSError as error:
            raise StepFailed(f"the fake service: {error}") from None

        def find(items):
            timings = [i[1:] for i in items if i[0] == "TIMING"]
            if not any(request == "GET " + mark for request, _, _ in timings):
                return None
            return [(request, finish - begin) for request, begin, finish in timings
                    if begin >= start and finish <= end]
        return self.watched.wait(find, "the fake service's timing lines")


class Bench:
    def __init__(self, build):
        self.build = build
        self.env = dict(os.environ,
                        G_MESSAGES_DEBUG="tts-timing",
                        GSETTINGS_BACKEND="memory",
                        GSETTINGS_SCHEMA_DIR=os.path.join(build, "data"),
                        WEBKIT_DISABLE_COMPOSITING_MODE="1",
                        LANGUAGE="en",
                        TASTYTRADE_SETUP_MODULE_DIR=os.path.join(build, "src", "ui"))
        self.running = []
        self.fake = None

    def start(self, name, argv, parse=parse_program, env=None):
        watched = Watched(name, argv, env or self.env, parse)
        self.running.append(watched)
        return watched

    def stop(self, watched):
        self.running.remove(watched)
        watched.stop()

    def program(self, idle, blinking=False, flooded=None):
        """One whole flow of the real program, by keyboard, in a fresh folder; its figures.

        Unless @blinking, the text caret does not blink (GTK's gtk-cursor-blink, which WebKit
        follows too): the login page's focused field would otherwise repaint twice a second,
        which is the page doing something, not waiting."""
        with tempfile.TemporaryDirectory(prefix="tts-bench-") as folder:
            env = dict(self.env)
            if not blinking:
                config = os.path.join(folder, "config")
                os.makedirs(os.path.join(config, "gtk-4.0"))
                with open(os.path.join(config, "gtk-4.0", "settings.ini"), "w") as f:
                    f.write("[Settings]\ngtk-cursor-blink=false\n")
                env["XDG_CONFIG_HOME"] = config
            output = os.path.join(folder, "project")
            os.mkdir(output)
            return self._flow(output, idle, env, flooded)

    def _flow(self, folder, idle, env, flooded=None):
        spawned = now_us()
        app = self.start("the program", [
            os.path.join(self.build, "src", "tastytrade-setup"),
            "--auth-url", self.fake.auth_url, "--api-url", self.fake.api_url,
            "--output", folder], env=env)
        try:
            figures = {"start": app.event("first-frame", "the program's first frame") - spawned}
            # No window manager: give the window the keyboard ourselves.
            window = xdotool("search", "--sync", "--onlyvisible", "--name", WINDOW_NAME).split()[0]
            # The pointer rests outside the window, as while typing: no hover, no tooltip.
            xdotool("mousemove", "1200", "1000")
            xdotool("windowfocus", "--sync", window, "key", "Return")
            app.event("TtsStartPage shown", "the page after the welcome page")
            xdotool("key", "Return")
            app.event("TtsCredentialsPage shown", "the credentials page")
            xdotool("type", CLIENT_ID)
            xdotool("key", "Tab")
            xdotool("type", CLIENT_SECRET)
            app.event("sign-in view ready", "the sign-in view to be ready")
            xdotool("key", "Return")
            action = app.event("primary action on TtsCredentialsPage", "Sign In")
            loaded = app.event("sign-in page loaded", "the login page")
            figures["signin"] = max(0, loaded - action)
            if idle:
                figures["idle"] = idle_wakeups(app.pid)
            if flooded is not None:
                flooded.update(flood(app.pid))
            xdotool("type", "demo")
            xdotool("key", "Tab")
            xdotool("type", "demo")
            xdotool("key", "Return")
            app.event("sign-in page loaded", "the two-factor page", nth=2)
            xdotool("type", "123456")
            xdotool("key", "Return")
            app.event("sign-in page loaded", "the authorize page", nth=3)
            xdotool("key", "Tab", "Return")
            redirect = app.event("redirect-received", "the redirect")
            renamed = app.event("secrets-renamed", ".secrets to be renamed into place")
            app.event("TtsDonePage shown", "the done page")
            figures["memory"] = vm_hwm(app.pid)
            # The done page's live-quote check: a quote token, then DXLink to the first quote.
            started = app.event("market checks started", "the done page's first frame")
            quote = app.event("quote-shown", "the first SPX quote on the done page")
            figures["quote"] = quote - renamed
            figures["painted"] = started - renamed
            figures["redirect"] = renamed - redirect
            figures["requests"] = self.fake.answered_between(redirect, renamed)
            check_secrets(folder)
            return figures
        finally:
            self.stop(app)

    def baseline_window(self):
        """The minimal libadwaita window: time to first frame, and VmHWM then."""
        spawned = now_us()
        window = self.start("the baseline window",
                            [os.path.join(self.build, "tests", "bench-baseline-window")])
        try:
            first = window.event("first-frame", "the baseline window's first frame")
            return first - spawned, vm_hwm(window.pid)
        finally:
            self.stop(window)

    def baseline_webview(self):
        """A bare web view made on the spot: view created to the login page loaded."""
        uri = (f"{self.fake.auth_url}?response_type=code&client_id={CLIENT_ID}"
               "&redirect_uri=http%3A%2F%2Flocalhost%3A8000&scope=read"
               f"&state={secrets.token_urlsafe(16)}")
        view = self.start("the baseline web view",
                          [os.path.join(self.build, "tests", "bench-baseline-webview"), uri])
        try:
            created = view.event("view created", "the baseline web view")
            return view.event("page loaded", "the baseline web view's page") - created
        finally:
            self.stop(view)

    def stop_all(self):
        for watched in reversed(self.running[:]):
            try:
                self.stop(watched)
            except StepFailed as error:
                print(f"bench: {error}", file=sys.stderr)
        reap_orphans()


def check_secrets(folder):
    try:
        with open(os.path.join(folder, ".secrets")) as f:
            lines = f.read().splitlines()
    except OSError as error:
        raise StepFailed(f"the .secrets file: {error}") from None
    if not any(re.match(r"TT_REFRESH_TOKEN=.", line) for line in lines):
        raise StepFailed("the .secrets file has no TT_REFRESH_TOKEN")


def installed_size(build):
    """Bytes installed, by kind, from a stripped install into a temporary folder."""
    kinds = {"executables and modules": 0, "data": 0, "translations": 0}
    with tempfile.TemporaryDirectory() as destdir:
        install = subprocess.run(["meson", "install", "-C", build, "--destdir", destdir,
                                  "--strip", "--no-rebuild", "--quiet"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if install.returncode != 0:
            print(f"bench: no installed size: {install.stderr.strip()}", file=sys.stderr)
            return None
        for folder, _, files in os.walk(destdir):
            parts = os.path.relpath(folder, destdir).split(os.sep)
            kind = ("translations" if "locale" in parts else
                    "executables and modules" if {"bin", "lib", "lib64", "libexec"} & set(parts)
                    or any(p.startswith("lib") and "-linux-" in p for p in parts) else "data")
            for name in files:
                kinds[kind] += os.lstat(os.path.join(folder, name)).st_size
    return kinds


def spread(samples, scale=1.0, unit="ms"):
    """The median, and "median unit (min–max)"."""
    values = [s * scale for s in samples]
    median = statistics.median(values)
    return median, f"{median:.1f} {unit} ({min(values):.1f}–{max(values):.1f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", help="the meson build folder")
    parser.add_argument("runs", type=int, nargs="?", default=10, help="runs of each (10)")
    parser.add_argument("-v", "--verbose", action="store_true", help="each run's figures")
    parser.add_argument("--flood", action="store_true",
                        help="instead: peak memory under a 300 MB POST to the listener")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("RUNS must be at least 1")
    build = os.path.abspath(args.build)
    # Adopt WebKit's processes when their parent ends, to wait for them and reap them.
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)             # PR_SET_CHILD_SUBREAPER
    # Killed (a meson timeout): still end the programs, which live in sessions of their own.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))

    bench = Bench(build)
    ours, base = [], {"start": [], "memory": [], "signin": []}
    try:
        bench.fake = Fake(build, bench.env)
        bench.running.append(bench.fake.watched)
        if args.flood:
            return report_flood(bench)
        # Warm the page cache once each, then alternate so drift hits all alike.
        bench.program(idle=False)
        bench.baseline_window()
        bench.baseline_webview()
        for run in range(1, args.runs + 1):
            start, memory = bench.baseline_window()
            base["start"].append(start)
            base["memory"].append(memory)
            base["signin"].append(bench.baseline_webview())
            ours.append(bench.program(idle=True))
            if args.verbose:
                figures = ours[-1]
                requests = ", ".join(f"{r} {d} µs" for r, d in figures["requests"])
                idle = ", ".join(f"{n} {r:.1f}" for n, r in figures["idle"].items() if r)
                print(f"run {run}: start {figures['start']} µs (baseline {start}), sign-in "
                      f"{figures['signin']} µs (bare view {base['signin'][-1]}), redirect "
                      f"{figures['redirect']} µs ({requests}), quote {figures['quote']} µs after "
                      f"the save, VmHWM {figures['memory']} kB "
                      f"(baseline {memory}), wake-ups/s {idle or 'none'}", file=sys.stderr)
        # Once more with the caret blinking, as on a default desktop: for the record.
        blinking = bench.program(idle=True, blinking=True)["idle"]
    except (StepFailed, OSError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    finally:
        bench.stop_all()

    return report(ours, base, blinking, installed_size(build), args.runs)


def report_flood(bench):
    flooded = {}
    bench.program(idle=False, flooded=flooded)
    mib = 1024 * 1024
    answered = flooded["answered_after"]
    print(f"300 MB POST to the listener: {flooded['sent'] / mib:.0f} MiB sent in "
          f"{flooded['seconds']:.2f} s, answer \"{flooded['status']}\" after "
          f"{'(none)' if answered is None else f'{answered / mib:.0f} MiB'}; then a GET: "
          f"\"{flooded['then']}\"; program VmHWM {flooded['before'] / 1024:.0f} MiB before, "
          f"{flooded['after'] / 1024:.0f} MiB after; the sign-in then completed")
    return 0 if flooded["after"] - flooded["before"] < 64 * 1024 else 1


def report(ours, base, blinking, sizes, runs):
    def column(key):
        return [figures[key] for figures in ours]

    served = [sum(d for _, d in figures["requests"]) for figures in ours]
    rows, met_all = [], True

    def row(figure, program, baseline, comparison, budget, met):
        nonlocal met_all
        met_all &= met
        rows.append((figure, program, baseline, comparison, budget,
                     "met" if met else "NOT MET"))

    p, p_text = spread(column("start"), 1e-3)
    b, b_text = spread(base["start"], 1e-3)
    row("Start to first frame", p_text, b_text, f"{p / b:.2f}×", "≤ 1.25×", p / b <= 1.25)

    p, p_text = spread(column("signin"), 1e-3)
    b, b_text = spread(base["signin"], 1e-3)
    row("Sign In to login page loaded", p_text, b_text, f"{p / b:.2f}×", "< 1×", p < b)

    p, p_text = spread(column("redirect"), 1e-3)
    b, b_text = spread(served, 1e-3)
    row("Redirect to .secrets renamed", p_text, b_text, f"{p - b:+.1f} ms", "≤ +20 ms",
        p - b <= 20)

    p, p_text = spread(column("quote"), 1e-3)
    row("Saved to first quote shown", p_text, "–", "–", "(measured)", True)
    p, p_text = spread(column("painted"), 1e-3)
    row("  of which the page's 1st frame", p_text, "–", "–", "(measured)", True)

    p, p_text = spread(column("memory"), 1 / 1024, "MiB")
    b, b_text = spread(base["memory"], 1 / 1024, "MiB")
    row("Peak resident memory (VmHWM)", p_text, b_text, f"{p / b:.2f}×", "≤ 2×", p / b <= 2)

    idle = column("idle")
    names = sorted({name for rates in idle for name in rates},
                   key=lambda n: (n != "main thread", n))
    by_name = {name: [rates.get(name, 0.0) for rates in idle] for name in names}
    p, p_text = spread(by_name["main thread"], unit="/s")
    row("Idle wake-ups, main thread", p_text, "0 /s", f"{p:+.1f} /s", "0 /s", p == 0)

    widths = [max(len(r[i]) for r in rows + [HEADER]) for i in range(len(HEADER))]
    for r in [HEADER] + rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(r, widths)).rstrip())

    print(f"\nIdle wake-ups per second on the login page, {IDLE_WINDOW:.0f} s after "
          f"{SETTLE:.0f} s settling, by thread of the program (median, min–max):")
    silent = [name for name in names if not any(by_name[name])]
    for name in names:
        if name not in silent:
            print(f"  {name:<22} {spread(by_name[name], unit='/s')[1]}")
    print(f"  {'all threads':<22} {spread([sum(r.values()) for r in idle], unit='/s')[1]}")
    print(f"  none in any run: {', '.join(silent) or '(no such thread)'}")
    print("  With the caret blinking (one run; WebKit repaints the focused field): " +
          ", ".join(f"{name} {rate:.1f}" for name, rate in
                    sorted(blinking.items(), key=lambda i: (i[0] != "main thread", i[0]))
                    if rate) + f"; all threads {sum(blinking.values()):.1f}")

    counted = ", ".join(f"{request} {duration / 1000:.1f} ms"
                        for request, duration in ours[0]["requests"]) or "none"
    print(f"\nThe fake's answers counted in the redirect baseline (first run): {counted}")

    if sizes:
        print(f"Installed size (stripped): {sum(sizes.values()) / 1024:.0f} KiB: " +
              ", ".join(f"{kind} {size / 1024:.0f} KiB" for kind, size in sizes.items()))
    print(f"(median, then min–max, of {runs} run{'s' if runs > 1 else ''} of each)")
    return 0 if met_all else 1


HEADER = ("Figure", "Program", "Baseline", "Ratio/diff", "Budget", "")

if __name__ == "__main__":
    sys.exit(main())
