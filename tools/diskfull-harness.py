#!/usr/bin/env python3
"""Run evqd on a small real filesystem (a size-limited tmpfs), fill it, and check what a full disk does:
ingest refuses with a clear `err` reply and evqd logs why; every acknowledged line is kept, exactly once; every
line a reply calls "not stored" is absent; reads keep answering; evqd restarts on the full disk; and ingest resumes
when space returns (the tmpfs is grown with `mount -o remount,size=...`).

  sudo tools/diskfull-harness.py [--rounds 3] [--writers 3] [--size-mib 12] [--evqd .build/release/evqd]
                                 [--evq .build/release/evq] [--keep]

Needs root (mount). Each round: the writers push `diskfull,writer=W seq=N pad="..."` lines in batches, each ended
by `#evq sync W-N`, until refusals have gone on for a while; then evqd is restarted on the full filesystem (it must
start and answer reads), the filesystem grows by --grow-mib, and the writers must get `ok` again. At the end evqd is
stopped and started, and the whole log is checked against every reply the writers got. Bounded in time and count,
loopback only; prints one line per round and a JSON summary, exits 1 on any problem.
"""
import argparse, json, os, random, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time
import urllib.request

from evqd_process import listening_ports

NOT_STORED = re.compile(r"err line=(\d+) col=1 lines (\d+)-(\d+) (not stored|may not be durable): (.*)")
SYNC_FAILED = re.compile(r"err line=(\d+) col=1 sync (\S+) failed: (.*)")


def sh(*args):
    subprocess.run(args, check=True)


class Evqd:
    def __init__(self, path, data, log):
        self.path, self.data, self.log = path, data, log

    def start(self):
        self.err = open(self.log, "a")
        self.p = subprocess.Popen([self.path, "--data-dir", self.data, "--ingest-addr", "127.0.0.1:0",
                                   "--http-addr", "127.0.0.1:0", "--no-collector", "--segment-mib", "1",
                                   "--checkpoint-seconds", "1"],
                                  stdout=subprocess.PIPE, stderr=self.err)
        ports = listening_ports(self.p)
        if ports is None:
            raise RuntimeError(f"evqd did not start on {self.data} (see {self.log})")
        self.ingest, self.http = ports

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        code = self.p.wait(60)
        self.err.close()
        return code

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http}{path}", timeout=10) as r:
            return r.status, r.read()


class Writer(threading.Thread):
    """Pushes batches and keeps, per line number of its connection, what evqd said of the line it carried."""

    def __init__(self, wid, port, seq, stop):
        super().__init__(daemon=True)
        self.wid, self.port, self.seq, self.stop = wid, port, seq, stop
        self.acked, self.refused, self.doubtful, self.sent = set(), set(), set(), set()
        self.ok_replies = self.err_replies = 0
        self.reasons = set()
        self.problems = []

    def run(self):
        try:
            s = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            f = s.makefile("rb")
            line_no = 0
            by_line = {}
            while not self.stop.is_set():
                n = random.randint(20, 400)
                first = self.seq
                # Random padding: the log compresses, and a filesystem of a few MiB should fill in seconds.
                text = "".join(f'diskfull,writer=w{self.wid},s={(first + k) % 300} seq={first + k}i,'
                               f'pad="{os.urandom(96).hex()}"\n'
                               for k in range(n))
                batch_lines = {line_no + 1 + k: first + k for k in range(n)}
                by_line = batch_lines
                line_no += n + 1
                token = f"w{self.wid}-{first + n - 1}"
                self.sent.update(range(first, first + n))
                self.seq += n
                s.sendall((text + f"#evq sync {token}\n").encode())
                while True:
                    reply = f.readline().decode().rstrip("\n")
                    if not reply:
                        self.problems.append("connection closed by evqd")
                        return
                    if reply.startswith(f"ok {token} "):
                        self.ok_replies += 1
                        self.acked.update(batch_lines.values())
                        break
                    self.err_replies += 1
                    m = NOT_STORED.match(reply)
                    if m:
                        lo, hi = int(m.group(2)), int(m.group(3))
                        target = self.refused if m.group(4) == "not stored" else self.doubtful
                        target.update(by_line[k] for k in range(lo, hi + 1) if k in by_line)
                        self.reasons.add(m.group(5))
                        continue
                    m = SYNC_FAILED.match(reply)
                    if m and m.group(2) == token:
                        self.reasons.add(m.group(3))
                        # Lines of the batch that no reply called unstored may or may not be stored: not acknowledged.
                        break
                    self.problems.append(f"unexpected reply {reply!r}")
                    return
        except OSError as e:
            if not self.stop.is_set():
                self.problems.append(f"writer {self.wid}: {e}")


def push_until(evqd, writers_n, seqs, stop_when, timeout):
    stop = threading.Event()
    writers = [Writer(w, evqd.ingest, seqs[w], stop) for w in range(writers_n)]
    for w in writers:
        w.start()
    deadline = time.time() + timeout
    while time.time() < deadline and not stop_when(writers):
        time.sleep(0.05)
    reached = stop_when(writers)
    stop.set()
    for w in writers:
        w.join(30)
    for w in writers:
        seqs[w.wid] = w.seq
    return writers, reached


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--writers", type=int, default=3)
    ap.add_argument("--size-mib", type=int, default=12)
    ap.add_argument("--grow-mib", type=int, default=8)
    ap.add_argument("--evqd", default=".build/release/evqd")
    ap.add_argument("--evq", default=".build/release/evq")
    ap.add_argument("--keep", action="store_true", help="keep the filesystem and data on a problem")
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("diskfull-harness: needs root to mount a size-limited tmpfs")
    evqd_path, evq_path = os.path.abspath(args.evqd), os.path.abspath(args.evq)
    work = tempfile.mkdtemp(prefix="evq-diskfull-")
    mnt = os.path.join(work, "fs")
    os.mkdir(mnt)
    sh("mount", "-t", "tmpfs", "-o", f"size={args.size_mib}m", "evq-diskfull", mnt)
    data = os.path.join(mnt, "data")
    log = os.path.join(work, "evqd.log")
    size = args.size_mib
    seqs = [0] * args.writers
    acked = [set() for _ in range(args.writers)]
    refused = [set() for _ in range(args.writers)]
    doubtful = [set() for _ in range(args.writers)]
    sent = [set() for _ in range(args.writers)]
    reasons, problems = set(), []
    totals = {"err_replies": 0, "ok_replies": 0, "refusals_while_full": 0, "restarts_on_full_disk": 0}

    def absorb(writers):
        for w in writers:
            acked[w.wid] |= w.acked
            refused[w.wid] |= w.refused
            doubtful[w.wid] |= w.doubtful
            sent[w.wid] |= w.sent
            reasons.update(w.reasons)
            totals["err_replies"] += w.err_replies
            totals["ok_replies"] += w.ok_replies
            problems.extend(w.problems)

    evqd = Evqd(evqd_path, data, log)
    ok = False
    try:
        evqd.start()
        for round_ in range(1, args.rounds + 1):
            round_problems = len(problems)
            # Fill: push until every writer has had refusals for a while (evqd must keep running and answering).
            writers, full = push_until(evqd, args.writers, seqs,
                                       lambda ws: all(w.err_replies >= 5 for w in ws) or any(w.problems for w in ws),
                                       timeout=120)
            absorb(writers)
            if not full:
                problems.append(f"round {round_}: the disk never refused a write")
            totals["refusals_while_full"] += sum(w.err_replies for w in writers)
            if evqd.p.poll() is not None:
                problems.append(f"round {round_}: evqd exited with {evqd.p.returncode} on a full disk")
                break
            status, body = evqd.get("/api/v1/health")
            if status != 200:
                problems.append(f"round {round_}: /api/v1/health answered {status} on a full disk")
            # Restart on the full disk: it must start (recovery, index and checkpoint writes may fail) and answer.
            code = evqd.stop()
            if code != 0:
                problems.append(f"round {round_}: evqd exited {code} at SIGTERM on a full disk")
            try:
                evqd.start()
                totals["restarts_on_full_disk"] += 1
            except RuntimeError as e:
                problems.append(f"round {round_}: {e}")
                break
            status, _ = evqd.get("/healthz")
            if status != 200:
                problems.append(f"round {round_}: /healthz answered {status} after a restart on a full disk")
            # Space returns: ingest must resume without a restart.
            size += args.grow_mib
            sh("mount", "-o", f"remount,size={size}m", mnt)
            writers, resumed = push_until(evqd, args.writers, seqs,
                                          lambda ws: all(w.ok_replies >= 3 for w in ws) or any(w.problems for w in ws),
                                          timeout=60)
            absorb(writers)
            if not resumed:
                problems.append(f"round {round_}: ingest did not resume after the filesystem grew to {size} MiB")
            n_acked = sum(len(a) for a in acked)
            n_refused = sum(len(r) for r in refused)
            status_text = "ok" if len(problems) == round_problems else "; ".join(problems[round_problems:])
            print(f"round {round_}: filesystem {size - args.grow_mib} -> {size} MiB, {n_acked} acknowledged lines, "
                  f"{n_refused} refused so far: {status_text}", flush=True)
        # Final check: stop, start, and compare the log with every reply.
        if evqd.p.poll() is None:
            evqd.stop()
        evqd.start()
        out = subprocess.run([evq_path, "export", "--data-dir", data, "--kind", "metric"],
                             capture_output=True, text=True, check=True).stdout
        seen = {}
        for m in re.finditer(r"diskfull,writer=w(\d+),s=\d+ seq=(\d+)i", out):
            key = (int(m.group(1)), int(m.group(2)))
            seen[key] = seen.get(key, 0) + 1
        lost = [(w, n) for w in range(args.writers) for n in acked[w] if (w, n) not in seen]
        stored_refused = [(w, n) for w in range(args.writers) for n in refused[w] if (w, n) in seen]
        dups = [k for k, c in seen.items() if c > 1]
        unsent = [k for k in seen if k[1] not in sent[k[0]]]
        for what, items in (("acknowledged lines lost", lost), ("lines called 'not stored' but stored", stored_refused),
                            ("lines stored twice", dups), ("lines never sent", unsent)):
            if items:
                problems.append(f"{len(items)} {what} (first {sorted(items)[0]})")
        verify = subprocess.run([evq_path, "verify", "--data-dir", data], capture_output=True, text=True)
        if verify.returncode != 0:
            problems.append("evq verify: " + (verify.stdout + verify.stderr).strip().splitlines()[-1])
        evqd.stop()
        leftovers = [n for n in os.listdir(data) if n.endswith(".tmp")]
        if leftovers:
            problems.append(f"temporary files left behind: {leftovers}")
        with open(log) as f:
            logged = f.read()
        # What evqd logged at warning and above, by message (the text after the metadata's closing "]").
        messages = {}
        for line in logged.splitlines():
            m = re.match(r"\S+ (warning|error|critical) .*?\] (.*)", line)
            if m:
                key = f"{m.group(1)}: {m.group(2)}"
                messages[key] = messages.get(key, 0) + 1
        if not any(k.startswith("notice") for k in messages) and "writes succeed again" not in logged:
            problems.append("evqd never logged 'writes succeed again'")
        if "No space left on device" not in logged:
            problems.append("evqd's log never said 'No space left on device'")
        if not any("No space left on device" in r for r in reasons):
            problems.append("no err reply named 'No space left on device'")
        summary = {
            "rounds": args.rounds, "acknowledged_lines": sum(len(a) for a in acked), "acknowledged_lost": len(lost),
            "refused_lines": sum(len(r) for r in refused), "refused_but_stored": len(stored_refused),
            "unacknowledged_stored": sum(1 for k in seen if k[1] not in acked[k[0]]),
            "duplicates": len(dups), **totals, "reasons": sorted(reasons)[:4],
            "log_lines_no_space": logged.count("No space left on device"),
            "writes_succeed_again_logged": logged.count("writes succeed again"), "logged": messages, "problems": problems,
        }
        print(json.dumps(summary))
        ok = not problems
    finally:
        if evqd.p.poll() is None:
            evqd.p.kill()
            evqd.p.wait()
        if ok or not args.keep:
            subprocess.run(["umount", mnt])
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"diskfull-harness: kept {work} (tmpfs still mounted at {mnt})")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
