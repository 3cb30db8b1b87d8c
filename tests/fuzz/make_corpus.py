#!/usr/bin/env python3
"""Writes a seed corpus for one fuzz target from upstream's conformance vectors.

  make_corpus.py fuzz_decode|fuzz_secure_open VECTORS.json OUT_DIR

fuzz_decode gets every frame vector's wire bytes (valid frames and each decode error)
plus the secure datagrams. fuzz_secure_open gets records in its input script format
(see fuzz_secure_open.cpp): the secure vectors as raw datagrams, then each frame vector
sealed as a shared- and as a master-key frame, and one replay of each.
"""
import hashlib
import json
import os
import struct
import sys

RAW, SHARED, MASTER, TICK = 0, 1, 2, 3
FIX_CRC, OWN_PID = 0x08, 0x10


def frame_wires(vectors):
    wires = []
    for v in vectors["frame_vectors"]:
        wire = v.get("expected_wire_hex") or v.get("wire_hex")
        if wire:
            wires.append(bytes.fromhex(wire))
    return wires


def secure_wires(vectors):
    return [bytes.fromhex(v["expected_wire_hex"]) for v in vectors["secure_frame_vectors"]
            if "expected_wire_hex" in v]


def raw_record(wire):
    return bytes([RAW, len(wire)]) + wire


def sealed_record(op, iv, counter, plain, pid=None):
    record = bytes([op, iv, counter]) + plain
    return record + (struct.pack("<I", pid) if pid is not None else b"")


def secure_seeds(vectors):
    seeds = [raw_record(w) for w in secure_wires(vectors)]
    seeds.append(b"".join(raw_record(w) * 2 for w in secure_wires(vectors)))
    for i, plain in enumerate(frame_wires(vectors)):
        shared = sealed_record(SHARED, i, 1, plain)
        master = sealed_record(MASTER | OWN_PID, i, 1, plain)
        seeds += [shared, master, shared * 2, master + bytes([TICK, 61]) + master]
    seeds.append(sealed_record(MASTER, 1, 0, frame_wires(vectors)[0], pid=4242))
    return seeds


def main(argv):
    if len(argv) != 4 or argv[1] not in ("fuzz_decode", "fuzz_secure_open"):
        sys.stderr.write(__doc__)
        return 2
    with open(argv[2]) as f:
        vectors = json.load(f)
    os.makedirs(argv[3], exist_ok=True)
    if argv[1] == "fuzz_decode":
        seeds = frame_wires(vectors) + secure_wires(vectors)
    else:
        seeds = secure_seeds(vectors)
    for seed in seeds:
        name = hashlib.sha1(seed).hexdigest()
        with open(os.path.join(argv[3], name), "wb") as f:
            f.write(seed)
    print(f"{argv[1]}: {len(seeds)} seeds in {argv[3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
