#!/usr/bin/env python3
"""Damages a real data directory in many ways and checks that evqd and evq cope: evqd starts, `evq verify` names
the damage (or the checkpoint problem is logged and the views rebuilt), readers return every undamaged event, and no
loss is silent.

  tools/corruption-harness.py [--lines 200000] [--evqd .build/release/evqd] [--evq .build/release/evq]

Builds one directory with several sealed segments (1 MiB each), their indexes, an active segment and a views
checkpoint; then, on a fresh copy for each case: flips bits, zeroes ranges, truncates, or appends garbage to a sealed
segment, the active segment, an index or the checkpoint. Prints one line per case and a summary; exits 1 when a
case breaks a promise.
"""
import argparse, json, os, random, re, shutil, signal, subprocess, sys, tempfile, time

from evqd_process import listening_ports

EVENT = re.compile(r"^x,writer=w(\d+) seq=(\d+)i")


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def start(evqd, data):
    p = subprocess.Popen([evqd, "--data-dir", data, "--ingest-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
                          "--no-collector", "--segment-mib", "1", "--log-level", "info"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p, listening_ports(p) is not None


def serve(evqd, data):
    """evqd on `data` for writing the original log: the process and its ingest port."""
    p = subprocess.Popen([evqd, "--data-dir", data, "--ingest-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
                          "--no-collector", "--segment-mib", "1", "--log-level", "warning"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ports = listening_ports(p)
    if ports is None:
        p.kill()
        raise SystemExit("corruption-harness: evqd did not start on " + data)
    return p, ports[0]


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        _, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    return p.returncode, err


def stored(evq, data):
    r = run([evq, "export", "--data-dir", data])
    keys = [m.groups() for m in map(EVENT.match, r.stdout.splitlines()) if m]
    return keys, r.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=200000)
    ap.add_argument("--evqd", default=".build/release/evqd")
    ap.add_argument("--evq", default=".build/release/evq")
    args = ap.parse_args()
    random.seed(7)
    base = tempfile.mkdtemp(prefix="evq-corrupt-")
    original = os.path.join(base, "original")
    lines = "".join(f"x,writer=w{k % 4} seq={k}i,pad=\"{random.getrandbits(64):x}\"\n" for k in range(args.lines))
    p, port = serve(args.evqd, original)
    push = run([args.evq, "push", "--to", f"127.0.0.1:{port}", "--sync"], input=lines)
    if push.returncode != 0:
        raise SystemExit("corruption-harness: push failed: " + push.stderr)
    stop(p)  # writes the views checkpoint
    # A few more lines into the active segment, so it holds blocks too.
    p, port = serve(args.evqd, original)
    more = "".join(f"x,writer=w{k % 4} seq={k}i,pad=\"tail\"\n" for k in range(args.lines, args.lines + 20000))
    for k in range(4):  # four blocks
        push = run([args.evq, "push", "--to", f"127.0.0.1:{port}", "--sync"], input=more[k * len(more) // 4:(k + 1) * len(more) // 4])
    stop(p)
    args.lines += 20000
    files = sorted(os.listdir(original))
    segments = [f for f in files if f.endswith(".log")]
    indexes = [f for f in files if f.endswith(".index")]
    all_keys, _ = stored(args.evq, original)
    assert len(all_keys) == args.lines, (len(all_keys), args.lines)

    def flip(path, count=3):
        data = bytearray(open(path, "rb").read())
        for _ in range(count):
            i = random.randrange(64 if len(data) > 128 else 0, len(data))
            data[i] ^= 1 << random.randrange(8)
        open(path, "wb").write(data)

    def zero(path, length=4096):
        data = bytearray(open(path, "rb").read())
        i = random.randrange(64 if len(data) > length + 128 else 0, max(1, len(data) - length))
        data[i:i + length] = bytes(min(length, len(data) - i))
        open(path, "wb").write(data)

    def truncate(path, keep=0.6):
        size = os.path.getsize(path)
        os.truncate(path, int(size * keep))

    def garbage(path, n=1000):
        with open(path, "ab") as f:
            f.write(os.urandom(n))

    sealed, active = segments[len(segments) // 2], segments[-1]
    cases = [
        ("bit flips in a sealed segment", sealed, flip, "segment"),
        ("4 KiB zeroed in a sealed segment", sealed, zero, "segment"),
        ("a sealed segment truncated to 60 %", sealed, truncate, "segment"),
        ("bit flips in the active segment", active, flip, "segment"),
        ("garbage appended to the active segment", active, garbage, "tail"),
        ("the active segment truncated to 60 %", active, truncate, "segment"),
        ("bit flips in the checkpoint", "views.checkpoint", flip, "checkpoint"),
        ("the checkpoint truncated", "views.checkpoint", truncate, "checkpoint"),
        ("garbage appended to the checkpoint", "views.checkpoint", garbage, "checkpoint"),
    ]
    if indexes:
        cases += [
            ("bit flips in a segment index", indexes[len(indexes) // 2], flip, "index"),
            ("a segment index truncated", indexes[len(indexes) // 2], truncate, "index"),
        ]
    failures = 0
    for name, target, damage, kind in cases:
        data = os.path.join(base, "case")
        shutil.rmtree(data, ignore_errors=True)
        shutil.copytree(original, data)
        damage(os.path.join(data, target))
        problems = []
        p, ok = start(args.evqd, data)
        if not ok:
            problems.append("evqd did not start")
            p.kill()
            err = p.communicate()[1]
        else:
            code, err = stop(p)
            if code != 0:
                problems.append(f"evqd exited {code} on SIGTERM")
        keys, export_err = stored(args.evq, data)
        verify = run([args.evq, "verify", "--data-dir", data])
        lost = len(all_keys) - len(keys)
        if set(keys) - set(all_keys) or len(set(keys)) != len(keys):
            problems.append("readers returned events that were not stored, or twice")
        if kind == "checkpoint":
            if lost != 0:
                problems.append(f"{lost} events lost to a damaged checkpoint")
            if "checkpoint" not in err:
                problems.append("evqd did not log the checkpoint problem")
        elif kind == "index":
            if lost != 0:
                problems.append(f"{lost} events lost to a damaged index (it is derived data)")
        elif kind == "tail":
            if lost != 0:
                problems.append(f"{lost} events lost to garbage after the last block")
            if "truncat" not in err and "tail" not in err:
                problems.append("evqd did not report the torn tail it cut")
        else:
            # A damaged block loses its events, and only those; the loss must be reported by verify or on start.
            if lost > 0 and verify.returncode == 0 and "damage" not in err and "truncat" not in err:
                problems.append(f"{lost} events lost silently (verify clean, nothing logged)")
            if lost > args.lines // 2:
                problems.append(f"{lost} events lost: far more than the damaged blocks hold")
        status = "ok" if not problems else "; ".join(problems)
        failures += bool(problems)
        verdict = "verify exit %d%s" % (verify.returncode, (": " + verify.stdout.strip().splitlines()[0]) if verify.returncode and verify.stdout.strip() else "")
        print(f"{name}: {lost} of {len(all_keys)} events unreadable; {verdict}; {status}", flush=True)
    shutil.rmtree(base, ignore_errors=True)
    print(json.dumps({"cases": len(cases), "cases_with_problems": failures}))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
