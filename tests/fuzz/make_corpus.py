#!/usr/bin/env python3
"""Writes a seed corpus for one fuzz target from upstream's conformance vectors.

  make_corpus.py fuzz_decode|fuzz_secure_open VECTORS.json OUT_DIR
  make_corpus.py fuzz_config VECTORS.json OUT_DIR SECRETS_DIR
  make_corpus.py fuzz_proc_parsers VECTORS.json OUT_DIR     (the vectors are not used)
  make_corpus.py fuzz_stream_decoder VECTORS.json OUT_DIR   (the vectors are not used)

fuzz_decode gets every frame vector's wire bytes (valid frames and each decode error)
plus the secure datagrams. fuzz_secure_open gets records in its input script format
(see fuzz_secure_open.cpp): the secure vectors as raw datagrams, then each frame vector
sealed as a shared- and as a master-key frame, and one replay of each.
fuzz_stream_decoder gets what an observer streams to a console: a subscribe reply with
its snapshot, batches of each kind of row, replies and refusals, an event stream line
(each input's first byte is the size of the pieces it is fed in).
fuzz_proc_parsers gets /proc files of each kind the kernel writes: stat lines with
awkward comms, cmdlines, status files and v1, v2 and hybrid cgroup files.
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


def write_secret(path, text, mode):
    if os.path.lexists(path):
        os.remove(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def secret_files(secrets):
    """Files the command lines name: usable secrets (0600, ours) and each kind of refusal."""
    os.makedirs(secrets, exist_ok=True)
    key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
    files = {
        "key": (key, 0o600),
        "keys": ("# rotation\n" + key + key, 0o600),
        "token": (key, 0o600),
        "exec": ("/bin/true {pid} {addr}\n", 0o600),
        "open.key": (key, 0o644),
        "short.key": ("0011\n", 0o600),
        "empty": ("", 0o600),
    }
    paths = {}
    for name, (text, mode) in files.items():
        paths[name] = os.path.join(secrets, name)
        write_secret(paths[name], text, mode)
    paths["link"] = os.path.join(secrets, "link.key")
    if os.path.lexists(paths["link"]):
        os.remove(paths["link"])
    os.symlink(paths["key"], paths["link"])
    paths["dir"] = secrets
    return paths


def config_seeds(secrets):
    """Command lines (arguments after the program name, NUL-separated) of every shape."""
    p = secret_files(secrets)
    lines = [
        [], ["--help"], ["--version"], ["--headless"], ["--udp-port", "9000"], ["--udp-port=0"],
        ["--socket", "/run/varta.sock", "--socket-mode", "0o600"],
        ["--udp-bind-addr", "0.0.0.0", "--i-accept-plaintext-udp"],
        ["--udp-bind-addr", "::1", "--key-file", p["key"], "--i-accept-secure-udp-non-loopback"],
        ["--threshold-ms", "2000", "--tracker-capacity", "1048576", "--tracker-eviction-policy", "balanced"],
        ["--max-beat-rate", "0", "--global-beat-rate", "5000", "--global-beat-burst", "100"],
        ["--recovery-exec", "/bin/echo {pid} {addr}", "--recovery-debounce-ms", "1000",
         "--recovery-timeout-ms", "100", "--recovery-kill-grace-ms", "1000", "--recovery-env", "A_1=b"],
        ["--recovery-exec-file", p["exec"], "--recovery-capture-bytes", "16777216", "--recovery-capture-stdio",
         "--recovery-audit-file", "/tmp/audit", "--recovery-inherit-env"],
        ["--export-file", "/tmp/e", "--export-file-max-bytes", "1", "--export-file-sync-every", "3"],
        ["--prom-addr", "127.0.0.1:9100", "--prom-token-file", p["token"]],
        ["--key-file", p["key"], "--accepted-key-file", p["keys"], "--master-key-file", p["key"]],
        ["--key-file", p["open.key"]], ["--key-file", p["link"]], ["--master-key-file", p["dir"]],
        ["--accepted-key-file", p["short.key"]], ["--prom-token-file", p["empty"]],
        ["--plaintext-udp-i-accept-recovery-on-unauthenticated-transport"],
        ["--secure-udp-i-accept-recovery-on-unauthenticated-transport", "--key-file=" + p["key"]],
        ["--allow-cross-namespace-agents", "--shutdown-after-secs", "1", "--shutdown-grace-ms", "100"],
        ["--recovery-cmd", "x"], ["--key-env", "K"], ["-platform", "offscreen", "-style", "fusion", "--demo"],
        ["--lang", "de", "--screenshot", "/tmp/s.png", "--screenshot-delay-ms", "5"],
        ["--threshold-ms", "9"], ["--udp-port", "65536"], ["--", "--udp-port"], ["stray"],
    ]
    return ["\0".join(line).encode() for line in lines]


def proc_seeds():
    """/proc/PID files as the kernel writes them, the comm being the process's own choice."""
    def stat(comm, state=b"S", start=b"123456"):
        return (b"4242 (" + comm + b") " + state + b" 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 "
                + start + b" 12345678 321 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n")
    hexid = b"0123456789abcdef" * 4
    return [
        stat(b"bash"), stat(b"my worker"), stat(b"a) S 1 2 3"), stat(b"x\ny"), stat(b"\xff\xfe"),
        stat(b"zombie", b"Z"), stat(b"big", start=b"18446744073709551615"),
        b"api\n", b"/usr/bin/api\0--port\08080\0", b"nginx: worker process\0\0\0", b"a" * 4100,
        b"Name:\tbash\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t1000\t1000\t1000\nGid:\t0\t0\t0\t0\n",
        b"0::/system.slice/api.service\n",
        b"0::/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service\n",
        b"12:cpu,cpuacct:/system.slice/api.service\n1:name=systemd:/system.slice/api.service\n0::/\n",
        b"0::/system.slice/docker-" + hexid + b".scope\n", b"12:memory:/docker/" + hexid + b"\n",
        b"0::/machine.slice/libpod-" + hexid + b".scope/container\n",
        b"0::/kubepods.slice/cri-containerd-" + hexid + b".scope\n", b"0::/lxc.payload.web1/init.scope\n",
    ]


def stream_seeds():
    """Control-protocol lines as an observer writes them to a subscribed console."""
    def line(obj):
        return json.dumps(obj, separators=(",", ":")).encode() + b"\n"
    stats = {"now_ms": 9500, "beats_accepted": 12, "decode_errors": 0, "datagrams_dropped": 0,
             "agents_tracked": 2, "by_state": {"up": 1, "stalled": 1}, "listeners": ["udp 127.0.0.1:9000"],
             "recovery_configured": True, "recovery_exec": ["systemctl", "restart", "{unit}"]}
    agent = {"key": "udp:10.0.0.7/4242", "pid": 4242, "origin": "udp:10.0.0.7", "state": "up", "last_status": "ok",
             "first_seen_ms": 120, "last_beat_ms": 9120, "silent_ms": 0, "beats": 90, "stalls": 0,
             "recoveries": 0, "nonce": 90, "payload": 0, "terminating": False}
    local = dict(agent, key="uds/77", pid=77, origin="uds", state="stalled", silent_ms=1880, down_since_ms=7620,
                 identity={"start_time": 3329340, "comm": "api", "cmdline": "/usr/bin/api", "cmdline_truncated": False,
                           "uid": 1000, "user": "alice", "cgroup": "/system.slice/api.service",
                           "unit": "api.service", "container": ""}, continues="uds/70")
    child = {"id": 3, "agent": "uds/77", "pid": 51234, "argv": ["systemctl", "restart", "api"], "manual": False,
             "started_ms": 9200, "ended_ms": None, "state": "running", "exit_code": -1, "signal": 0,
             "bytes_kept": 0, "truncated": False, "error": ""}
    event = {"seq": 41, "at_ms": 9120, "ts_unix_ms": 1764600009120, "kind": "stall", "severity": "warning",
             "category": "recovery", "text": "pid 77 (uds) stalled", "agent": "uds/77", "silent_ms": 1000}
    batch = {"agents": [agent, local], "removed": ["secure-udp:[2001:db8::7]/9"],
             "transitions": [{"agent": "uds/77", "at_ms": 9000, "from": "up", "to": "stalled", "silent": True}],
             "events": [event], "children": [child],
             "output": [{"child": 3, "stream": "stderr", "text": "restarting\n"}], "forgotten_children": [1],
             "stats": stats}
    snapshot = line({"v": 1, "id": "subscribe", "ok": True,
                     "result": {"now_ms": 9500, "snapshot": {"agents": [agent, local], "children": [child],
                                                             "stats": stats}}})
    batches = line({"v": 1, "id": "subscribe", "batch": batch})
    # Compact beats: agents whose only change since their full row is a beat.
    beats = line({"v": 1, "id": "subscribe", "batch": {"agents": [], "stats": stats, "beats": [
        ["udp:10.0.0.7/4242", 9400, 91, 91, 0], ["secure-udp:[2001:db8::7]/9", 9410, 3, 1764600009, 4294967295],
        ["uds/77", -1, 0, 0, 0]]}})
    bad_beats = line({"v": 1, "id": "subscribe", "batch": {"stats": stats, "beats": [["uds/77", 1.5, 1, 1, 0]]}})
    replies = (line({"v": 1, "id": "hello", "ok": True, "result": {"name": "alice", "role": "control"}})
               + line({"v": 1, "id": 7, "ok": False, "code": "permission_denied", "error": "may only view"})
               + line({"v": 1, "id": 9, "event": event}))
    return [bytes([n]) + body for n in (0, 6, 63) for body in (snapshot, batches, beats, replies)] + [
        b"\x00" + snapshot + batches + beats + replies, b"\x00" + bad_beats + beats,
        b"\x01{\"batch\":[]}\n[1]\nnot json\n"]


def main(argv):
    known = ("fuzz_decode", "fuzz_secure_open", "fuzz_config", "fuzz_proc_parsers", "fuzz_stream_decoder")
    if len(argv) not in (4, 5) or argv[1] not in known or (argv[1] == "fuzz_config") != (len(argv) == 5):
        sys.stderr.write(__doc__)
        return 2
    with open(argv[2]) as f:
        vectors = json.load(f)
    os.makedirs(argv[3], exist_ok=True)
    if argv[1] == "fuzz_decode":
        seeds = frame_wires(vectors) + secure_wires(vectors)
    elif argv[1] == "fuzz_config":
        seeds = config_seeds(argv[4])
    elif argv[1] == "fuzz_proc_parsers":
        seeds = proc_seeds()
    elif argv[1] == "fuzz_stream_decoder":
        seeds = stream_seeds()
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
