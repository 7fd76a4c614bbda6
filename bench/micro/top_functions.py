#!/usr/bin/env python3
"""Top inclusive functions of one flowgate_micro_count piece, as a markdown block.

    python3 bench/micro/top_functions.py ANNOTATE_TXT N PIECE [ROWS]

ANNOTATE_TXT is `callgrind_annotate --inclusive=yes` output of a run that collected only
measuredLoop() (N operations). Prints Ir per operation and share of the operation for the
ROWS (default 10) most inclusive functions, without the harness frames (main,
measuredLoop, the io_context loop, the benchmark's own coroutine), with C++ names shortened
(template arguments and parameter lists elided). Inner levels of a recursion (callgrind's
"'2" names) are left out: their inclusive counts are not reliable; level 1 is. So are a
library's unnamed static functions (bare addresses in libxml2).

Coroutines: asio resumes every coroutine of a request from its own loop, so a coroutine's
inclusive count covers what it runs itself between suspensions, not the coroutines it
co_awaits (they are rows of their own).
"""
import re
import sys

ROW = re.compile(r"^\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(.*)$")
HARNESS = [
    r"^\(below main\)$", r"^main$", r"^__libc_start", r"measuredLoop", r"::once\(\)$",
    r"^flowgate::bench::PipelineRun::(loop|drive)", r"^boost::asio::io_context::run",
    r"^boost::asio::detail::scheduler::", r"^boost::asio::detail::executor_op",
    r"^boost::asio::detail::executor_function::", r"^0x[0-9a-f]+ \(ld-linux",
    r"^\(anon\)::measuredLoop",
]


def collapse_templates(name):
    """Elides template arguments, except a short first one ("IterativeParse<6u,…>")."""
    out, i = [], 0
    while i < len(name):
        c = name[i]
        # "operator<", "operator<<" and "operator->" are not template brackets
        if c == "<" and not name[max(0, i - 8):i].endswith("operator"):
            depth, j = 1, i + 1
            while j < len(name) and depth > 0:
                depth += {"<": 1, ">": -1}.get(name[j], 0)
                j += 1
            inner = name[i + 1:j - 1]
            first = inner.split(",", 1)[0].strip()
            if len(first) <= 6 and "<" not in first:  # a flag or a number: worth showing
                out.append(f"<{first}>" if first == inner.strip() else f"<{first},…>")
            else:
                out.append("<…>")
            i = j
            continue
        out.append(c)
        i += 1
    return "".join(out)


def shorten(raw):
    obj = ""
    m = re.search(r" \[([^\]]*)\]$", raw)
    if m:
        obj = m.group(1).rsplit("/", 1)[-1]
        raw = raw[: m.start()]
    if raw.startswith("???:"):
        raw = raw[4:]
    else:
        raw = re.sub(r"^\S+?\.(c|cc|cpp|h|hpp|S):", "", raw)
    if re.fullmatch(r"0x[0-9a-f]+", raw):
        short = obj.split(".so")[0]
        return f"0x{int(raw, 16):x} ({short})", obj
    coroutine = "[clone .actor]" in raw
    name = raw.replace("(anonymous namespace)", "{anon}")
    name = collapse_templates(name)
    recursion = re.search(r"'(\d+)$", name)
    paren = name.find("(")
    if paren > 0:
        name = name[:paren] + "()"
        head = name[:paren]
        if " " in head and not head.startswith("operator"):  # a return type: "void f<…>()"
            name = head.rsplit(" ", 1)[1] + "()"
    name = name.replace("{anon}", "(anon)")
    if coroutine:
        name += " [coroutine]"
    if recursion:
        name += f" (recursion level {recursion.group(1)})"
    return name, obj


def main():
    path, n, piece = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rows_wanted = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    started, rows = False, []
    for line in open(path, encoding="utf-8", errors="replace"):
        if "file:function" in line:
            started = True
            continue
        if not started:
            continue
        m = ROW.match(line)
        if not m:
            continue
        ir = int(m.group(1).replace(",", ""))
        name, obj = shorten(m.group(3))
        if any(re.search(h, name) for h in HARNESS):
            continue
        if "(recursion level" in name:  # callgrind over-counts inner levels of a recursion
            continue
        if name.startswith("0x"):  # a library's static function, no symbol: says nothing
            continue
        if obj and not obj.startswith("flowgate_micro") and not name.startswith("0x"):
            name += f" [{obj.split('.so')[0]}]"
        rows.append((ir, name))
        if len(rows) == rows_wanted:
            break
    total = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if "PROGRAM TOTALS" in line:
                total = int(line.split()[0].replace(",", ""))
                break
    print()
    print(f"Top inclusive functions of `{piece}` (callgrind, {n} operations; "
          f"Ir per operation, share of the operation's {total // n:,} Ir):")
    print()
    print("| Ir/op | % | function |")
    print("|---:|---:|---|")
    for ir, name in rows:
        name = name.replace("|", "\\|")
        print(f"| {ir // n:,} | {100.0 * ir / total:.1f} | `{name}` |")


if __name__ == "__main__":
    main()
