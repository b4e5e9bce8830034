#!/usr/bin/env python3
"""Name the instructions of a QEMU exec log taken with one instruction per
block (tools/profile) and print where they went.

usage: profile_report.py TRACE KERNEL_ELF USER_ELF...

Each "Trace" line of TRACE is one guest instruction; its program counter is
the second field in brackets and its privilege level the low two bits of the
third (the block's flags). Kernel addresses are named from KERNEL_ELF. User
programs all load at the same addresses, so a run of user instructions (the
ones between two kernel entries) is named from the user ELF in which every
one of its addresses starts an instruction; the first such ELF wins, with
the bench and pager programs tried first.
"""
import bisect
import collections
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRACE_RE = re.compile(r"^Trace \d+: \S+ \[([0-9a-f]+)/([0-9a-f]+)/([0-9a-f]+)/([0-9a-f]+)\]")


class Elf:
    """Function symbols and instruction starts of one ELF file."""

    def __init__(self, path):
        self.path = path
        self.name = path.rsplit("/", 1)[-1].removesuffix(".elf")
        self.starts, self.names = [], []
        out = subprocess.run(["nm", "-n", "--defined-only", path], capture_output=True,
                             text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tTwW":
                self.starts.append(int(parts[0], 16))
                self.names.append(parts[2])
        self.insns = None

    def instruction_starts(self):
        if self.insns is None:
            self.insns = set()
            out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", self.path],
                                 capture_output=True, text=True, check=True).stdout
            for line in out.splitlines():
                m = re.match(r"^\s+([0-9a-f]+):\s", line)
                if m:
                    self.insns.add(int(m.group(1), 16))
        return self.insns

    def function(self, pc):
        i = bisect.bisect_right(self.starts, pc) - 1
        return self.names[i] if i >= 0 else "?"


def read_trace(path):
    """The (pc, cpl) of each logged instruction."""
    steps = []
    with open(path, errors="replace") as f:
        for line in f:
            m = TRACE_RE.match(line)
            if m:
                steps.append((int(m.group(2), 16), int(m.group(3), 16) & 3))
    return steps


IRQ_STUB_RE = re.compile(r"^trap_stub_(\d+)$")


def mark_interrupts(named):
    """Owner "interrupt" for the steps of a device interrupt: from its stub
    (vector 32 and up) to the end of the trap_return that leaves it."""
    i = 0
    while i < len(named):
        m = IRQ_STUB_RE.match(named[i][1])
        if not m or int(m.group(1)) < 32:
            i += 1
            continue
        j = i
        while j < len(named) and named[j][1] != "trap_return":
            j += 1
        while j < len(named) and named[j][1] == "trap_return":
            j += 1
        for k in range(i, j):
            named[k] = ("interrupt", named[k][1])
        i = j


def name_runs(steps, kernel, users):
    """(owner, function) for each step: runs of user steps get one owner."""
    named = [None] * len(steps)
    i = 0
    while i < len(steps):
        pc, cpl = steps[i]
        if cpl != 3:
            named[i] = ("kernel", kernel.function(pc))
            i += 1
            continue
        j = i
        while j < len(steps) and steps[j][1] == 3:
            j += 1
        pcs = {pc for pc, _ in steps[i:j]}
        owner = next((u for u in users if pcs <= u.instruction_starts()), None)
        for k in range(i, j):
            named[k] = (owner.name, owner.function(steps[k][0])) if owner else ("user?", "?")
        i = j
    mark_interrupts(named)
    return named


def source_lines(elf, counts):
    """Counter of (function, file:line) from addr2line for the addresses in @counts."""
    pcs = sorted(counts)
    out = subprocess.run(["addr2line", "-f", "-e", elf] + ["%x" % pc for pc in pcs],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    lines = collections.Counter()
    for i, pc in enumerate(pcs):
        fn, where = out[2 * i], out[2 * i + 1].rsplit("/", 1)[-1]
        lines[(fn, where)] += counts[pc]
    return lines


def by_file(elf, kernel, steps, named):
    """Counter of source files: kernel instructions by the file of their function, user by program."""
    starts = {}
    for (pc, cpl), (owner, fn) in zip(steps, named):
        if owner == "kernel":
            i = bisect.bisect_right(kernel.starts, pc) - 1
            starts.setdefault(fn, kernel.starts[i] if i >= 0 else pc)
    fns = sorted(starts)
    out = subprocess.run(["addr2line", "-i", "-a", "-e", elf] + ["%x" % starts[f] for f in fns],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    file_of, frames = {}, []
    for line in out + ["0x0"]:
        if line.startswith("0x"):
            if frames:  # the outermost frame is the function itself
                fn = fns[len(file_of)]
                path = frames[-1]
                file_of[fn] = (os.path.relpath(path, ROOT) if path.startswith(ROOT + "/")
                               else "%s (%s)" % (fn, "no line information" if "?" in path
                                                 else os.path.basename(path)))
            frames = []
        else:
            frames.append(line.rsplit(":", 1)[0])
    files = collections.Counter()
    for owner, fn in named:
        files[file_of.get(fn, "?") if owner == "kernel" else
              "interrupts (timer, devices)" if owner == "interrupt" else owner + " (user)"] += 1
    return files


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    steps = read_trace(sys.argv[1])
    if not steps:
        sys.exit("no instructions in %s (did the marks come?)" % sys.argv[1])
    kernel = Elf(sys.argv[2])
    users = sorted((Elf(p) for p in sys.argv[3:]),
                   key=lambda u: (not re.search(r"bench|pager", u.name), u.name))
    named = name_runs(steps, kernel, users)

    irq = sum(1 for owner, _ in named if owner == "interrupt")
    print("%d instructions between the marks (kernel %d, user %d; of them %d in interrupts)" %
          (len(steps), sum(1 for _, c in steps if c != 3), sum(1 for _, c in steps if c == 3),
           irq))
    print("\nBy function (instructions, owner:function):")
    for (owner, fn), n in collections.Counter(named).most_common():
        print("%7d  %s:%s" % (n, owner, fn))
    print("\nBy source file (instructions; a kernel function counts in the file defining it):")
    print("\n| instructions | where |\n| ---: | --- |")
    for where, n in by_file(sys.argv[2], kernel, steps, named).most_common():
        print("| %d | %s |" % (n, where))
    print("\nKernel source lines (top 60; instructions, function, file:line):")
    kernel_pcs = collections.Counter(pc for (pc, cpl), (owner, _) in zip(steps, named)
                                     if owner == "kernel")
    for (fn, where), n in source_lines(sys.argv[2], kernel_pcs).most_common(60):
        print("%7d  %s  %s" % (n, fn, where))
    print("\nIn order (instructions per stretch in one function):")
    run_start = 0
    for i in range(1, len(named) + 1):
        if i == len(named) or named[i] != named[run_start]:
            owner, fn = named[run_start]
            print("%7d  %6d  %s:%s" % (run_start, i - run_start, owner, fn))
            run_start = i


if __name__ == "__main__":
    main()
