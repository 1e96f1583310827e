#!/usr/bin/env python3
"""Run one command and print its own CPU and wall time as one JSON line, for
`npm run bench -- conf` (bench/conf-side-by-side.ts).

    rusage-run.py CMD [ARG ...]

The command's stdin is /dev/null and its output is thrown away (/dev/null).
user and sys are the kernel's accounting of the reaped child (wait4, in seconds
with microsecond resolution), its threads and any children it waited for
included; wall is a monotonic clock read around fork and wait4.
"""
import json
import os
import sys
import time

def main() -> int:
    if len(sys.argv) < 2:
        print("usage: rusage-run.py CMD [ARG ...]", file=sys.stderr)
        return 2
    null = os.open(os.devnull, os.O_RDWR)
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.dup2(null, 2)
        try:
            os.execvp(sys.argv[1], sys.argv[1:])
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = time.monotonic() - t0
    code = os.waitstatus_to_exitcode(status)
    print(json.dumps({"user": ru.ru_utime, "sys": ru.ru_stime, "wall": wall, "exit": code, "maxrss_kb": ru.ru_maxrss}))
    return 0

if __name__ == "__main__":
    sys.exit(main())
