#!/usr/bin/env python3
"""The producer side of OutageTests, repeated, with librdkafka's idempotence log on.

Each run: a 3-broker `broker --control`, `producer simulate --rate 40` through its outbox, every
broker down for 10 s, then `error produce transport 4`, `error produce not_leader 4` and the
leadership of all 8 partitions moved. Afterwards kcat reads the topic and every order the outbox
journal holds as delivered is looked for in it. Prints, per run: what the producer said, the
records and distinct keys in the topic, how many batches librdkafka acked implicitly ("implicitly
acked by subsequent batch success") and which confirmed orders the topic does not hold.

The embedded broker does not check an idempotent producer's sequence numbers, so at librdkafka's
default of 5 requests in flight a pushed error can make it confirm an order that was never stored
(README, Reliability). `-X max.in.flight.requests.per.connection=1` shows the difference:

  python3 tools/outage-repro.py --runs 10
  python3 tools/outage-repro.py --runs 10 -X max.in.flight.requests.per.connection=1
"""
import argparse
import os
import shutil
import struct
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def delivered_order_ids(journal_path):
    """Order ids the outbox journal marks delivered (frames: u32 length, u32 CRC, payload;
    payload kind 1 = order, 2 = delivery mark, 5 = delivered seq ranges)."""
    data = open(journal_path, "rb").read()
    at, orders, settled = 0, {}, set()
    while at + 8 <= len(data):
        length = struct.unpack_from("<I", data, at)[0]
        payload = data[at + 8:at + 8 + length]
        at += 8 + length
        if len(payload) < 9:
            break
        kind, seq = payload[0], struct.unpack_from("<Q", payload, 1)[0]
        if kind == 1:
            orders[seq] = struct.unpack_from("<q", payload, 17)[0]
        elif kind == 2:
            settled.add(seq)
        elif kind == 5:
            count = struct.unpack_from("<I", payload, 9)[0]
            for n in range(count):
                first, how_many = struct.unpack_from("<QI", payload, 13 + 12 * n)
                settled.update(range(first, first + how_many))
    return {orders[s] for s in settled if s in orders}


def run(bin_dir, extra, keep):
    broker = subprocess.Popen(
        [bin_dir + "/broker", "--brokers", "3", "--partitions", "8", "--control", "--log-file", "/dev/null"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
    address = broker.stdout.readline().strip()

    def control(line):
        broker.stdin.write(line + "\n")
        return broker.stdout.readline().strip()

    work = tempfile.mkdtemp(prefix="tiffin-outage-repro-")
    args = [bin_dir + "/producer", "simulate", "-b", address, "--rate", "40", "--duration", "40",
            "--fault-rate", "0", "--till", "73", "--outbox", work + "/outbox", "--timeout", "60",
            "--log-file", work + "/producer.log", "--log-level", "debug",
            "-X", "message.timeout.ms=120000", "-X", "debug=eos"]
    for setting in extra:
        args += ["-X", setting]
    producer = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    control("down")
    time.sleep(10)
    control("up")
    time.sleep(3)
    for line in ["error produce transport 4", "error produce not_leader 4"]:
        control(line)
        time.sleep(1)
    for partition in range(8):
        control("leader %d %d" % (partition, partition % 3 + 1))
        time.sleep(0.3)
    said = producer.communicate()[1].strip().splitlines()
    topic = subprocess.run(
        ["kcat", "-b", address, "-C", "-t", "restaurant-sales", "-e", "-q", "-o", "beginning", "-f", "%k\n"],
        capture_output=True, text=True).stdout.split()
    control("quit")
    broker.wait(timeout=15)
    confirmed = delivered_order_ids(work + "/outbox/journal")
    missing = sorted(confirmed - {int(k) for k in topic if k.isdigit()})
    implicit = sum(1 for line in open(work + "/producer.log") if "implicitly acked" in line)
    print("exit %d | %s | topic %d records, %d distinct | implicit acks %d | confirmed but not in the topic: %s"
          % (producer.returncode, said[-1] if said else "", len(topic), len(set(topic)), implicit,
             missing or "none"), flush=True)
    if keep or missing:
        print("  logs and outbox kept in " + work, flush=True)
    else:
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug"),
                        help="folder with broker and producer (default: .build/debug)")
    parser.add_argument("-X", action="append", default=[], dest="extra",
                        help="a librdkafka property for the producer (repeatable)")
    parser.add_argument("--keep", action="store_true", help="keep every run's logs and outbox")
    options = parser.parse_args()
    for _ in range(options.runs):
        run(options.bin, options.extra, options.keep)


if __name__ == "__main__":
    main()
