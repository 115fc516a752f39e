#!/usr/bin/env python3
"""ptymeter — what a full-screen program costs: CPU while it runs and bytes it writes per frame.

  ptymeter.py [--cols 100] [--rows 30] [--warmup 5] [--seconds 60] -- COMMAND [ARG...]
  ptymeter.py --until TEXT [--seconds 120] -- COMMAND [ARG...]

Runs COMMAND in a pseudo-terminal of the given size (TERM=xterm-256color), reads everything it
writes, and after the warm-up measures for --seconds: the process's CPU time from /proc (user +
system, as a share of one core) and the bytes that reached the terminal, grouped into frames
(bursts separated by more than 40 ms of silence). Then sends 'q' and waits. Prints one JSON
line: cpu_percent, frames, bytes, median_frame_bytes, p90_frame_bytes. With --until, it
measures instead how long after the start TEXT first reaches the terminal (for example the
status line's "caught up": the first complete frame), and prints until_seconds.
"""
import json, os, pty, select, signal, statistics, sys, time, fcntl, termios, struct

def spawn(command, cols, rows):
    """Starts COMMAND in a pseudo-terminal of cols × rows (TERM=xterm-256color, a UTF-8
    locale unless one is set); returns (pid, fd of the terminal's master side)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.environ.setdefault("LANG", "C.UTF-8")
        os.execvp(command[0], command)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.kill(pid, signal.SIGWINCH)
    return pid, fd


def main():
    args = sys.argv[1:]
    opts = {"--cols": 100, "--rows": 30, "--warmup": 5.0, "--seconds": 60.0, "--until": ""}
    while args and args[0] != "--":
        key, value = args[0], args[1]
        opts[key] = type(opts[key])(value)
        args = args[2:]
    command = args[1:]
    pid, fd = spawn(command, opts["--cols"], opts["--rows"])

    def cpu_ticks():
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks

    def read_for(seconds, sink):
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    return
                if not data:
                    return
                sink(time.monotonic(), len(data))

    if opts["--until"]:
        started, seen, needle = time.monotonic(), b"", opts["--until"].encode()
        found = None
        deadline = started + opts["--seconds"]
        while found is None and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    break
                if not data:
                    break
                seen = (seen + data)[-4096:]
                if needle in seen:
                    found = time.monotonic() - started
        os.write(fd, b"q")
        time.sleep(1)
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        print(json.dumps({"until": opts["--until"], "until_seconds": round(found, 2) if found else None}))
        return

    read_for(opts["--warmup"], lambda t, n: None)
    chunks = []
    start_ticks, start = cpu_ticks(), time.monotonic()
    read_for(opts["--seconds"], lambda t, n: chunks.append((t, n)))
    ticks, elapsed = cpu_ticks() - start_ticks, time.monotonic() - start
    os.write(fd, b"q")
    read_for(3, lambda t, n: None)
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)

    frames, last = [], None
    for t, n in chunks:
        if last is None or t - last > 0.04:
            frames.append(0)
        frames[-1] += n
        last = t
    hz = os.sysconf("SC_CLK_TCK")
    ordered = sorted(frames)
    print(json.dumps({
        "cpu_percent": round(100.0 * ticks / hz / elapsed, 2),
        "seconds": round(elapsed, 1),
        "frames": len(frames),
        "bytes": sum(frames),
        "median_frame_bytes": statistics.median(frames) if frames else 0,
        "p90_frame_bytes": ordered[int(0.9 * (len(ordered) - 1))] if frames else 0,
    }))

if __name__ == "__main__":
    main()
