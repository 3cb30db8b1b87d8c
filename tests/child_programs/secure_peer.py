#!/usr/bin/env python3
"""An independent secure-UDP peer for interop tests: python3-cryptography's HKDF and
ChaCha20-Poly1305, with the VLP frame, CRC-32C and wire layouts written out here from
docs/protocol.md, sharing no code with varta-watch.

  secure_peer.py seal shared KEYHEX PID COUNT   COUNT datagrams, one hex line each
  secure_peer.py seal master MASTERHEX PID COUNT
  secure_peer.py open shared KEYHEX             hex datagrams on stdin; prints the
  secure_peer.py open master MASTERHEX          plaintext frame in hex, or "fail", per line

Sealed frame i (0-based): status Ok, timestamp 1000*i, nonce i+1, payload i.
"""
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def encode_frame(pid, timestamp, nonce, payload, status=0):
    head = b"VA" + bytes([2, status]) + struct.pack("<IQQI", pid, timestamp, nonce, payload)
    return head + struct.pack("<I", crc32c(head))


def hkdf(ikm, info, length):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(ikm)


def agent_key(master, pid):
    return hkdf(master, b"varta-agent-v1\x00" + struct.pack("<I", pid), 32)


def iv_prefix(salt, index):
    return hkdf(salt, b"varta-iv-prefix-v1\x00" + struct.pack("<I", index), 8)


def seal(mode, key, pid, count):
    salt = os.urandom(16)
    iv_random = iv_prefix(salt, 0)
    aad = struct.pack("<I", pid) if mode == "master" else b""
    aead = ChaCha20Poly1305(agent_key(key, pid) if mode == "master" else key)
    for i in range(count):
        counter = struct.pack("<I", i)
        sealed = aead.encrypt(iv_random + counter, encode_frame(pid, 1000 * i, i + 1, i), aad or None)
        print((aad + iv_random + counter + sealed).hex())


def open_one(mode, key, wire):
    aad = b""
    if mode == "master":
        if len(wire) != 64:
            return None
        aad, wire = wire[:4], wire[4:]
        key = agent_key(key, struct.unpack("<I", aad)[0])
    if len(wire) != 60:
        return None
    try:
        plain = ChaCha20Poly1305(key).decrypt(wire[:12], wire[12:], aad or None)
    except Exception:
        return None
    if crc32c(plain[:28]) != struct.unpack("<I", plain[28:])[0]:
        return None
    if aad and plain[4:8] != aad:
        return None
    return plain


def main(argv):
    if len(argv) >= 4 and argv[1] == "seal":
        seal(argv[2], bytes.fromhex(argv[3]), int(argv[4]), int(argv[5]))
        return 0
    if len(argv) == 4 and argv[1] == "open":
        key = bytes.fromhex(argv[3])
        for line in sys.stdin:
            plain = open_one(argv[2], key, bytes.fromhex(line.strip()))
            print(plain.hex() if plain else "fail")
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
