#!/usr/bin/env python3
"""Runs the README's walk-through and compares what it prints with what the README says.

Every ```sh block and every ```console block of README.md is run, in order, in one bash session
started at the repository root, against systems the walk-through itself starts
(`deploy/dev/restart.sh`). In a console block a line starting with `$ ` is a command (a line
ending in `\\` continues it) and the lines after it, up to the next command, are what it prints
(stdout and stderr together, as a terminal shows them). A sh block's commands must succeed; their
output is not compared.

The session has its own data directory and gateway port: CHAIN_DATA_DIR points to a fresh
temporary directory, written `.chain` in the README (every `.chain` path in a command is read as
that directory, and that directory is printed back as `.chain`), and CHAIN_LISTEN to a free port
printed back as 8080. CHAIN_SWEEP_SECONDS=1 lets timers fire without the README waiting for them.

Before comparing, both sides are normalised: a carriage return keeps what follows it (as on a
terminal); UUIDs become <id-N> numbered by first appearance within the command's output, so an
output that names one id twice must still do so; RFC 3339 times and dates, JWTs and long hex
strings become placeholders; trailing blanks are dropped. Statuses, states, fields, counts and
messages are compared as printed. A command whose output depends on when it is read (events,
timers, reactions) cannot be told apart from a stale README by one reading, so a read-only command
(curl without a body or method, cat, head, grep, `chain audit verify`) is run again, for up to
RETRY_SECONDS, until it matches.

Directives, in an HTML comment on the line before a block:
  <!-- check: skip -->          the block is not run (e.g. the foreground `deploy/dev/up.sh`)
  <!-- check: numbers vary -->  digits in the block's output are not compared (an interrupted
                                import stops at a row that depends on timing)

Usage: deploy/dev/readme_check.py [--write] [--keep] [README.md]
  --write  replace the README's printed output with what the commands print now (then review
           the diff: every change is a change in behaviour). A read-only command whose README
           output is still empty matches a reading taken before the system has caught up, so
           write the first lines of a new command's output by hand.
  --keep   leave the last system running and its data directory in place
Exit status 0 when every block printed what the README says.
"""

import difflib
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time

RETRY_SECONDS = 15
COMMAND_TIMEOUT = 300
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?")
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")
HEX = re.compile(r"\b[0-9a-f]{32,}\b")
DATA_PATH = re.compile(r"(?<![\w./-])\.chain(?=/|\b)")
READ_ONLY = re.compile(r"^(curl|cat|head|tail|grep|chain audit verify)\b")
MUTATING = re.compile(r"(\s-X\s|\s-d\s|--data|\btee\b|>|&\s*$|=\$\()")


class Command:
    def __init__(self, text, expected, lines, block):
        self.text = text  # the command as printed
        self.expected = expected  # the printed output, a list of lines
        self.lines = lines  # (first, end) line numbers of the printed output in the README
        self.block = block


class Block:
    def __init__(self, kind, start, directives):
        self.kind = kind
        self.start = start  # line number of the opening fence (0-based)
        self.directives = directives
        self.commands = []


def parse(readme_lines):
    blocks, directives, i = [], set(), 0
    while i < len(readme_lines):
        line = readme_lines[i]
        m = re.match(r"^<!-- check: ([a-z ]+) -->$", line.strip())
        if m:
            directives.add(m.group(1).strip())
            i += 1
            continue
        fence = re.match(r"^```(\w+)\s*$", line)
        if not fence:
            if line.strip():
                directives = set()
            i += 1
            continue
        kind, start = fence.group(1), i
        i += 1
        body_start = i
        while i < len(readme_lines) and readme_lines[i].rstrip() != "```":
            i += 1
        body = readme_lines[body_start:i]
        i += 1
        if kind not in ("sh", "console") or "skip" in directives:
            directives = set()
            continue
        block = Block(kind, start, directives)
        directives = set()
        if kind == "sh":
            block.commands.append(Command("\n".join(body), [], None, block))
        else:
            parse_console(block, body, body_start)
        blocks.append(block)
    return blocks


def parse_console(block, body, body_start):
    j = 0
    while j < len(body):
        if not body[j].startswith("$ "):
            sys.exit(f"README.md:{body_start + j + 1}: output without a command before it")
        text = body[j][2:]
        while text.endswith("\\") and j + 1 < len(body):
            j += 1
            text += "\n" + body[j]
        j += 1
        first = j
        while j < len(body) and not body[j].startswith("$ "):
            j += 1
        block.commands.append(Command(text, body[first:j], (body_start + first, body_start + j), block))


def terminal(text):
    """What a terminal shows: a carriage return starts the line again."""
    return [line.rsplit("\r", 1)[-1].rstrip() for line in text.replace("\r\n", "\n").split("\n")]


def normalise(lines, numbers_vary):
    ids = {}

    def uuid(m):
        return "<id-%d>" % ids.setdefault(m.group(0), len(ids) + 1)

    out = []
    for line in lines:
        line = line.rsplit("\r", 1)[-1].rstrip()
        line = JWT.sub("<token>", line)
        line = UUID.sub(uuid, line)
        line = TIME.sub("<time>", line)
        line = DATE.sub("<date>", line)
        line = HEX.sub("<hex>", line)
        if numbers_vary:
            line = re.sub(r"\d+", "N", line)
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


class Session:
    """One bash process; each command is sourced into it, so variables and functions persist."""

    def __init__(self, env, work):
        self.work = work
        self.n = 0
        self.bash = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )

    def run(self, text, timeout=COMMAND_TIMEOUT):
        self.n += 1
        script = os.path.join(self.work, "cmd%d.sh" % self.n)
        output = os.path.join(self.work, "out%d" % self.n)
        with open(script, "w") as f:
            f.write(text + "\n")
        self.bash.stdin.write(f'source {script} </dev/null >{output} 2>&1; echo "__done__ $?"\n')
        self.bash.stdin.flush()
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.bash.stdout], [], [], max(left, 0))
            if not ready:
                raise TimeoutError(f"no answer within {timeout} s")
            line = self.bash.stdout.readline()
            if not line:
                raise RuntimeError("the bash session ended")
            if line.startswith("__done__ "):
                rc = int(line.split()[1])
                break
        with open(output, encoding="utf-8", errors="replace", newline="") as f:
            return rc, f.read()

    def close(self):
        try:
            self.bash.stdin.write("kill $(jobs -p) 2>/dev/null; exit\n")
            self.bash.stdin.flush()
            self.bash.wait(timeout=10)
        except Exception:
            self.bash.kill()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    write, keep = "--write" in sys.argv, "--keep" in sys.argv
    readme = os.path.abspath(args[0] if args else os.path.join(REPO, "README.md"))
    with open(readme, encoding="utf-8") as f:
        readme_lines = f.read().split("\n")
    blocks = parse(readme_lines)
    missing = [tool for tool in ("bash", "curl", "cargo") if not shutil.which(tool)]
    if missing:
        sys.exit(f"readme-check: the walk-through needs {', '.join(missing)} on PATH")

    root = tempfile.mkdtemp(prefix="readme-check.")
    data = os.path.join(root, ".chain")
    work = os.path.join(root, "session")
    os.makedirs(work)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAIN_") or k == "CHAIN_NATS_SERVER"}
    for k in ("GW", "CARGO_TERM_COLOR", "RUST_BACKTRACE", "RUST_LIB_BACKTRACE"):
        env.pop(k, None)
    env.update(
        CHAIN_DATA_DIR=data,
        CHAIN_LISTEN=f"127.0.0.1:{port}",
        CHAIN_SWEEP_SECONDS="1",
        NO_COLOR="1",
        TERM="dumb",
        LC_ALL="C.UTF-8",
    )

    def printed(text):
        text = text.replace(os.path.realpath(data), ".chain").replace(data, ".chain")
        return text.replace(f"127.0.0.1:{port}", "127.0.0.1:8080").replace(REPO + "/", "")

    session = Session(env, work)
    started = time.monotonic()
    failures, commands, rewrites = 0, 0, []
    try:
        for block in blocks:
            numbers_vary = "numbers vary" in block.directives
            for cmd in block.commands:
                commands += 1
                where = f"README.md:{block.start + 1}"
                runnable = DATA_PATH.sub("$CHAIN_DATA_DIR", cmd.text)
                t0 = time.monotonic()
                try:
                    rc, out = session.run(runnable)
                except (TimeoutError, RuntimeError) as e:
                    print(f"FAIL {where}: $ {cmd.text}\n  {e}")
                    failures += 1
                    raise SystemExit(finish(session, keep, data, failures, commands, started))
                if block.kind == "sh":
                    if rc != 0:
                        failures += 1
                        print(f"FAIL {where}: the sh block exited {rc}:\n{printed(out)}")
                    continue
                actual = terminal(printed(out))
                expected = normalise(cmd.expected, numbers_vary)
                retry = READ_ONLY.match(cmd.text) and not MUTATING.search(cmd.text)
                while normalise(actual, numbers_vary) != expected and retry and time.monotonic() - t0 < RETRY_SECONDS:
                    time.sleep(0.5)
                    rc, out = session.run(runnable)
                    actual = terminal(printed(out))
                got = normalise(actual, numbers_vary)
                if got != expected:
                    if write:
                        rewrites.append((cmd.lines, actual))
                        continue
                    failures += 1
                    diff = "\n".join(
                        difflib.unified_diff(expected, got, "README (normalised)", "now (normalised)", lineterm="")
                    )
                    print(f"FAIL {where}: $ {cmd.text}\n{diff}\n-- printed now (exit {rc}):\n{chr(10).join(actual)}\n")
        code = finish(session, keep, data, failures, commands, started, len(rewrites))
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    if write and rewrites:
        for (first, end), actual in sorted(rewrites, reverse=True):
            while actual and not actual[-1]:
                actual.pop()
            readme_lines[first:end] = actual
        with open(readme, "w", encoding="utf-8") as f:
            f.write("\n".join(readme_lines))
        print(f"readme-check: rewrote the output of {len(rewrites)} command(s) in {readme}")
    return code


def finish(session, keep, data, failures, commands, started, rewritten=0):
    if not keep:
        session.run("deploy/dev/down.sh >/dev/null", timeout=60)
    else:
        print(f"readme-check: the system is left running on {data}")
    session.close()
    print(f"readme-check: {commands} commands in {time.monotonic() - started:.0f} s")
    if rewritten:
        print(f"readme-check: {rewritten} command(s) printed something else than the README says")
    print(f"readme-check: {commands - failures - rewritten} passed, {failures + rewritten} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
