#!/usr/bin/env python3
"""Host test of tools/idlgen's kserved marker: what a kernel-served interface
may not have is refused with a message naming the line, a good one gets its
<name>_kserver.h and an interface without the marker gets none.

usage: test_idlgen_kserved.py IDLGEN
"""
import os
import subprocess
import sys
import tempfile

HEAD = "interface kt 0x7c00 kserved(kt_object, kt);\n"
# (definition, part of the error message idlgen must print)
REFUSED = [
    (HEAD + "deferred routine r(in x: u64, out y: u64);\n", "2: routine r: the kernel answers at once"),
    (HEAD + "routine r(in x: u64, out p: port(move_send));\n", "2: p: a kernel answer carries no port"),
    (HEAD + "routine r(out page: ool(move));\n", "2: page: a kernel answer carries no ool"),
    (HEAD + "routine r(in page: ool(move), in page_npages: u64);\n",
     "2: argument 'page_npages' clashes with page"),
    ("interface kt 0x7c00 kserved(kt_object);\n", "1: expected ,"),
    ("interface kt 0x7c00 kserved kt_object, kt;\n", "1: expected ("),
    ("interface kt 0x7c00 kernel kserved(kt_object, kt);\n", "1: expected ;"),
]


def run(idlgen, text, out):
    path = os.path.join(out, "kt.idl")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return subprocess.run([sys.executable, idlgen, path, "-o", out, "-k", out],
                          capture_output=True, text=True, check=False)


def main():
    idlgen = sys.argv[1]
    failures = 0
    for text, want in REFUSED:
        with tempfile.TemporaryDirectory() as out:
            r = run(idlgen, text, out)
            if r.returncode != 1 or want not in r.stderr:
                print(f"FAIL: {text!r}: exit {r.returncode}, stderr {r.stderr!r}, want {want!r}")
                failures += 1
    cases = [(HEAD + "routine r(in x: u32, out y: bytes[8]);\n", True),
             ("interface kt 0x7c00;\nroutine r(in x: u32, out y: bytes[8]);\n", False)]
    for text, kserved in cases:
        with tempfile.TemporaryDirectory() as out:
            r = run(idlgen, text, out)
            made = os.path.exists(os.path.join(out, "kt_kserver.h"))
            if r.returncode != 0 or made != kserved:
                print(f"FAIL: {text!r}: exit {r.returncode}, kt_kserver.h written: {made}")
                failures += 1
            elif kserved:
                with open(os.path.join(out, "kt_kserver.h"), encoding="utf-8") as f:
                    header = f.read()
                for want in ("int kt_r(struct kt_object *ctx, uint32_t x, void *y, uint32_t *y_len);",
                             "static inline int kt_kdispatch(struct kt_object *ctx, struct kmsg *m,"):
                    if want not in header:
                        print(f"FAIL: kt_kserver.h lacks {want!r}")
                        failures += 1
    print("PASS" if failures == 0 else f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
