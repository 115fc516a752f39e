#!/usr/bin/env python3
"""An independent re-computation of SEMANTICS.md, for differential tests.

Reads records (one per line, base64 of the record value, in arrival order) and prints the
day's snapshot in the `dashboard --json` shape. Written from the contract with Python's own
json module, not from the Swift code, so that the two can disagree.

usage: recompute.py RECORDS_FILE --day YYYY-MM-DD --tz ZONE --now UNIX_SECONDS
"""
import argparse
import base64
import json
import sys
from datetime import datetime, date
from zoneinfo import ZoneInfo

sys.setrecursionlimit(100_000)
if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)

REASONS = ["too_large", "malformed_json", "missing_order_id", "invalid_field", "empty_items",
           "unknown_payment_mode", "invalid_timestamp", "amount_mismatch"]
WARNINGS = ["unknown_item", "price_mismatch"]
MENU = {"Masala Dosa": 70, "Idli": 40, "Idli Vada": 70, "Poori": 50, "Chapati": 50,
        "Plain Dosa": 50, "Tea": 10, "Coffee": 15, "Cold Drink": 20, "Lassi": 25}
MODES = ["CASH", "CARD", "UPI"]
ORDER_KEYS = {"order_id", "table_id", "customer_per_order", "payment_mode", "items", "amount",
              "timestamp"}
ITEM_KEYS = {"name", "quantity", "price"}


class Obj(dict):
    """A JSON object that remembers which keys appeared more than once."""
    def __init__(self, pairs):
        super().__init__()
        self.repeated = set()
        for k, v in pairs:
            if k in self:
                self.repeated.add(k)
            self[k] = v


class Malformed(Exception):
    pass


def reject_constant(name):
    raise Malformed(name)


def shown(name):
    """Lone surrogates (valid JSON escapes, not Unicode scalars) are shown as U+FFFD."""
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in name)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_str(v):
    return isinstance(v, str)


def check(raw, now):
    """Returns (reason, order) — reason None for a valid order."""
    if len(raw) > 65536:
        return "too_large", None
    try:
        text = raw.decode("utf-8", errors="strict")
        if text.startswith("\ufeff"):
            raise Malformed("bom")
        value = json.loads(text, object_pairs_hook=Obj, parse_constant=reject_constant)
    except (ValueError, Malformed, RecursionError):
        return "malformed_json", None
    if not isinstance(value, dict):
        return "malformed_json", None
    if value.repeated & ORDER_KEYS:
        return "malformed_json", None
    items = value.get("items")
    if isinstance(items, list):
        for it in items:
            if isinstance(it, dict) and it.repeated & ITEM_KEYS:
                return "malformed_json", None

    if value.get("order_id") is None:
        return "missing_order_id", None

    def valid_fields():
        oid = value.get("order_id")
        if not (is_int(oid) and 1 <= oid <= 2**53 - 1):
            return False
        t = value.get("table_id")
        if not (is_str(t) and 1 <= len(t) <= 32):
            return False
        c = value.get("customer_per_order")
        if not (is_int(c) and 1 <= c <= 100):
            return False
        if not is_str(value.get("payment_mode")):
            return False
        if not isinstance(items, list) or len(items) > 100:
            return False
        for it in items:
            if not isinstance(it, dict):
                return False
            n, q, p = it.get("name"), it.get("quantity"), it.get("price")
            if not (is_str(n) and 1 <= len(n) <= 64):
                return False
            if not (is_int(q) and 1 <= q <= 1000):
                return False
            if not (is_int(p) and 0 <= p <= 1_000_000):
                return False
        if not is_int(value.get("amount")):
            return False
        if not is_int(value.get("timestamp")):
            return False
        return True

    if not valid_fields():
        return "invalid_field", None
    if len(items) == 0:
        return "empty_items", None
    mode = value["payment_mode"]
    upper = "".join(chr(ord(ch) - 32) if "a" <= ch <= "z" else ch for ch in mode)
    if upper not in MODES:
        return "unknown_payment_mode", None
    ts = value["timestamp"]
    if not (946684800 <= ts <= now + 86400):
        return "invalid_timestamp", None
    if value["amount"] != sum(it["quantity"] * it["price"] for it in items):
        return "amount_mismatch", None
    value["payment_mode"] = upper
    return None, value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("records")
    ap.add_argument("--day", required=True)
    ap.add_argument("--tz", required=True)
    ap.add_argument("--now", type=int, required=True)
    a = ap.parse_args()
    zone = ZoneInfo(a.tz)
    day = date.fromisoformat(a.day)

    snap = {"day": a.day, "tz": a.tz, "orders": 0, "revenue": 0, "customers": 0,
            "items": {}, "payment_modes": {}, "minutes": {},
            "rejected": {r: 0 for r in REASONS}, "warnings": {w: 0 for w in WARNINGS},
            "duplicates": 0, "outside_day": 0}
    seen = set()
    with open(a.records) as f:
        for line in f:
            line = line.strip("\n")
            raw = base64.b64decode(line)
            reason, order = check(raw, a.now)
            if reason:
                snap["rejected"][reason] += 1
                continue
            if order["order_id"] in seen:
                snap["duplicates"] += 1
                continue
            seen.add(order["order_id"])
            local = datetime.fromtimestamp(order["timestamp"], zone)
            if local.date() != day:
                snap["outside_day"] += 1
                continue
            amount = order["amount"]
            snap["orders"] += 1
            snap["revenue"] += amount
            snap["customers"] += order["customer_per_order"]
            pm = snap["payment_modes"].setdefault(order["payment_mode"], {"orders": 0, "revenue": 0})
            pm["orders"] += 1
            pm["revenue"] += amount
            mk = local.strftime("%H:%M")
            m = snap["minutes"].setdefault(mk, {"orders": 0, "revenue": 0})
            m["orders"] += 1
            m["revenue"] += amount
            for it in order["items"]:
                e = snap["items"].setdefault(shown(it["name"]), {"quantity": 0, "revenue": 0})
                e["quantity"] += it["quantity"]
                e["revenue"] += it["quantity"] * it["price"]
                if it["name"] not in MENU:
                    snap["warnings"]["unknown_item"] += 1
                elif MENU[it["name"]] != it["price"]:
                    snap["warnings"]["price_mismatch"] += 1
    json.dump(snap, sys.stdout, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
