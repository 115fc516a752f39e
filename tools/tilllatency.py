#!/usr/bin/env python3
"""tilllatency — how long the till's form takes from Enter to "queued" on the screen.

  tilllatency.py [--orders 50] [--cols 80] [--rows 24] -- PRODUCER -b ADDR --outbox DIR [...]

Runs the order form in a pseudo-terminal, waits for it to say "connected", then for each order
types '+' (one Masala Dosa), waits for the form to show it, sends Enter and measures the time
until the terminal receives the word "queued" (the order was fsync'ed into the outbox and handed
to Kafka, and the frame saying so was written). Quits with q (y). Prints one JSON line:
orders, median_ms, p90_ms, max_ms.
"""
import json, os, select, statistics, sys, time

from ptymeter import spawn  # the same pseudo-terminal set-up (tools/ptymeter.py)


def main():
    args = sys.argv[1:]
    opts = {"--orders": 50, "--cols": 80, "--rows": 24}
    while args and args[0] != "--":
        opts[args[0]] = int(args[1])
        args = args[2:]
    command = args[1:]
    pid, fd = spawn(command, opts["--cols"], opts["--rows"])

    seen = bytearray()

    def wait_for(word, seconds=10.0):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                seen.extend(chunk)
                if word in seen:
                    return time.monotonic()
        raise SystemExit(f"tilllatency: {word!r} did not appear within {seconds} s")

    wait_for(b"connected", 20)
    time.sleep(0.5)
    times = []
    for _ in range(opts["--orders"]):
        seen.clear()
        os.write(fd, b"+")
        wait_for("₹70".encode() if b"Rs." not in seen else b"Rs.70")
        time.sleep(0.05)
        seen.clear()
        start = time.monotonic()
        os.write(fd, b"\r")
        times.append((wait_for(b"queued") - start) * 1000)
        time.sleep(0.1)
    os.write(fd, b"q")
    time.sleep(0.3)
    os.write(fd, b"y")
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    times.sort()
    print(json.dumps({
        "orders": len(times),
        "median_ms": round(statistics.median(times), 2),
        "p90_ms": round(times[int(len(times) * 0.9) - 1], 2),
        "max_ms": round(times[-1], 2),
    }))


if __name__ == "__main__":
    main()
