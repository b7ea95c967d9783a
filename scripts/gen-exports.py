#!/usr/bin/env python3
"""Generate synthetic authCodes exports (GET /authCodes answers) for benchmarking.

Each file is a clean export that `fodpack validate` accepts without errors or warnings:
about 100 auth codes (80 to 120), each with 1 to 3 license keys whose quantities add up to
keysRedeemed, key IDs unique within the file, start dates in the past.

The output is deterministic: file i depends only on the seed and i, so the first 1,000 files
of a 10,000-file run are the same as a 1,000-file run.

Usage: gen-exports.py DIR [--count N] [--seed S] [--codes N] [--single-size-mb M]

With --single-size-mb, writes one export of about M megabytes (DIR/big.json) instead.
Python 3 standard library only.
"""

import argparse
import json
import os
import random
import sys

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
STATES = ["not installed", "downloaded", "installed"]
STATE_WEIGHTS = [3, 1, 6]
# (featureCode, partNumber, featureDescription): the kind of products an LXCA export lists.
PRODUCTS = [
    ("1341", "00MT201", "Lenovo XClarity Pro, Per Managed Endpoint w/1 Yr SW S&S"),
    ("1342", "00MT202", "Lenovo XClarity Pro, Per Managed Endpoint w/3 Yr SW S&S"),
    ("1343", "00MT203", "Lenovo XClarity Pro, Per Managed Endpoint w/5 Yr SW S&S"),
    ("1341", "5641PX5", "Lenovo XClarity Pro, Per Managed Endpoint w/5 Yr SW S&S"),
    ("1340", "5641PX3", "Lenovo XClarity Pro, Per Managed Endpoint w/3 Yr SW S&S"),
    ("1344", "7S0A002", "Lenovo XClarity Pro, Per Managed Chassis w/3 Yr SW S&S"),
    ("1345", "7S0A003", "Lenovo XClarity Pro, Per Managed Chassis w/5 Yr SW S&S"),
    ("A1ML", "4L40E51", "Lenovo XClarity Controller Enterprise Upgrade"),
    ("B0MK", "01GU859", "Lenovo XClarity Controller Advanced Upgrade"),
]


def rand_str(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def q(s):
    return json.dumps(s, ensure_ascii=False)


def code_entry(rng, customer, next_key_id):
    feature, part, desc = rng.choice(PRODUCTS)
    nkeys = rng.choices([1, 2, 3], weights=[6, 3, 1])[0]
    quantities = [rng.choice([1, 1, 2, 4, 5, 10, 25, 50, 100]) for _ in range(nkeys)]
    redeemed = sum(quantities)
    remaining = rng.choice([0, 0, 0, rng.randint(1, 100)])
    year = rng.randint(2016, 2024)
    date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    keys = []
    for qty in quantities:
        key_id = f"{next_key_id:05d}"
        next_key_id += 1
        state = rng.choices(STATES, weights=STATE_WEIGHTS)[0]
        keys.append(
            "{\n"
            f'            "customerNumber": {q(customer)},\n'
            f'            "licenseKeyId": {q(key_id)},\n'
            f'            "quantity": {qty},\n'
            f'            "state": {q(state)}\n'
            "         }"
        )
    text = (
        "{\n"
        f'         "authCode": {q(rand_str(rng, ALNUM, 22))},\n'
        '         "errorMsg": "",\n'
        f'         "featureCode": {q(feature)},\n'
        f'         "featureDescription": {q(desc)},\n'
        f'         "keysRedeemed": {redeemed},\n'
        f'         "keysRemaining": {remaining},\n'
        f'         "lenovoCustomerNumber": {q(customer)},\n'
        '         "licenseKeys": [' + ", ".join(keys) + "],\n"
        f'         "partNumber": {q(part)},\n'
        f'         "purchaseOrder": {q(rand_str(rng, "0123456789", 8))},\n'
        f'         "salesOrder": {q(rand_str(rng, "0123456789", 10))},\n'
        f'         "startDate": {q(date)}\n'
        "      }"
    )
    return text, next_key_id


def export_text(rng, ncodes, first_key_id):
    customer = rand_str(rng, "0123456789", 10)
    next_key_id = first_key_id
    entries = []
    for _ in range(ncodes):
        if rng.random() < 0.1:
            customer = rand_str(rng, "0123456789", 10)
        entry, next_key_id = code_entry(rng, customer, next_key_id)
        entries.append(entry)
    return '{\n   "authCodes": [\n      ' + ",\n      ".join(entries) + "\n   ]\n}\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dir", help="folder to write into (created if missing)")
    p.add_argument("--count", type=int, default=10_000, help="number of exports (10000)")
    p.add_argument("--seed", type=int, default=1, help="random seed (1)")
    p.add_argument("--codes", type=int, default=100, help="average codes per export (100)")
    p.add_argument(
        "--single-size-mb",
        type=float,
        default=None,
        help="write one export of about this many MB as DIR/big.json instead",
    )
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    if args.single_size_mb is not None:
        rng = random.Random(f"{args.seed}/big")
        target = int(args.single_size_mb * 1_000_000)
        path = os.path.join(args.dir, "big.json")
        customer = rand_str(rng, "0123456789", 10)
        # Key IDs must stay unique in the file, so past 99999 they grow to six digits.
        next_key_id = 1
        written = 0
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write('{\n   "authCodes": [\n      ')
            first = True
            while written < target:
                entry, next_key_id = code_entry(rng, customer, next_key_id)
                if not first:
                    f.write(",\n      ")
                f.write(entry)
                written += len(entry) + 8
                first = False
            f.write("\n   ]\n}\n")
        print(f"wrote {path} ({os.path.getsize(path)} bytes)", file=sys.stderr)
        return

    width = len(str(args.count - 1))
    total = 0
    for i in range(args.count):
        rng = random.Random(f"{args.seed}/{i}")
        ncodes = max(1, args.codes + rng.randint(-args.codes // 5, args.codes // 5))
        # Key IDs are unique across all files (at most 360 keys a file), as `validate` checks
        # across files that one key ID is not listed under two codes.
        text = export_text(rng, ncodes, i * 1000 + 1)
        # Spread the files over sub-folders of 1,000, as a real archive would be.
        sub = os.path.join(args.dir, f"batch-{i // 1000:03d}")
        os.makedirs(sub, exist_ok=True)
        path = os.path.join(sub, f"export-{i:0{width}d}.json")
        data = text.encode("utf-8")
        with open(path, "wb") as f:
            f.write(data)
        total += len(data)
    print(f"wrote {args.count} exports, {total} bytes, into {args.dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
