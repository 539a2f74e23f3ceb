#!/usr/bin/env python3
"""kill -9 evqd again and again while writers push with sync acknowledgements; after every restart, check that every
acknowledged line is stored exactly once, nothing that was never sent appears, `evq verify` is clean, and the live
views equal a rebuild from the log.

  tools/crash-harness.py [--rounds 20] [--writers 4] [--evqd .build/release/evqd] [--evq .build/release/evq]

Each writer sends `crash,writer=W seq=N` lines (N counting up from 0 per writer) in batches, each ended by
`#evq sync W-N`; an `ok` makes every line up to N of that writer acknowledged. Bounded in time and count, loopback
only; prints one line per round and a summary, exits 1 on any loss, duplicate or unexpected line.
"""
import argparse, json, os, random, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time, urllib.request

from evqd_process import listening_ports


def start(evqd, data):
    out = open(os.path.join(data + "-evqd.out"), "w")
    p = subprocess.Popen([evqd, "--data-dir", data, "--ingest-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
                          "--no-collector", "--checkpoint-seconds", "1", "--log-level", "warning"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    ports = listening_ports(p)
    if ports is None:
        raise SystemExit("crash-harness: evqd did not start")
    return p, *ports


class Writer(threading.Thread):
    def __init__(self, wid, port, start_seq):
        super().__init__(daemon=True)
        self.wid, self.port, self.seq, self.acked = wid, port, start_seq, start_seq - 1
        self.sent_max = start_seq - 1

    def run(self):
        try:
            s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            f = s.makefile("rb")
            while True:
                n = random.randint(1, 200)
                batch = "".join(f"crash,writer=w{self.wid} seq={self.seq + k}i\n" for k in range(n))
                last = self.seq + n - 1
                self.sent_max = last  # before sending: a part of the batch may be stored when evqd dies
                s.sendall((batch + f"#evq sync w{self.wid}-{last}\n").encode())
                self.seq += n
                reply = f.readline().decode()
                if not reply.startswith(f"ok w{self.wid}-{last} "):
                    return
                self.acked = last
        except OSError:
            return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--evqd", default=".build/release/evqd")
    ap.add_argument("--evq", default=".build/release/evq")
    ap.add_argument("--keep", action="store_true", help="stop at the first problem and keep the data directory")
    args = ap.parse_args()
    data = tempfile.mkdtemp(prefix="evq-crash-")
    next_seq = [0] * args.writers
    # Per writer, the acknowledged ranges [first, last] of every round: a round's unacknowledged tail was sent but may
    # not be stored, and the next round starts after it.
    acked = [[] for _ in range(args.writers)]
    sent = [-1] * args.writers
    failures = 0
    total_acked = 0
    try:
        for round_ in range(1, args.rounds + 1):
            p, ingest, http = start(args.evqd, data)
            writers = [Writer(w, ingest, next_seq[w]) for w in range(args.writers)]
            for w in writers:
                w.start()
            time.sleep(random.uniform(0.2, 1.5))  # checkpoints every second: some kills land while one is written
            p.send_signal(signal.SIGKILL)
            p.wait()
            for w in writers:
                w.join(5)
                if w.acked >= next_seq[w.wid]:
                    acked[w.wid].append((next_seq[w.wid], w.acked))
                sent[w.wid] = max(sent[w.wid], w.sent_max)
            # Restart on the same directory; what is stored now must hold every acknowledged line exactly once.
            p, ingest, http = start(args.evqd, data)
            lines = subprocess.run([args.evq, "export", "--data-dir", data, "--kind", "metric"],
                                   capture_output=True, text=True, check=True).stdout
            seen = {}
            problems = []
            for m in re.finditer(r"crash,writer=w(\d+) seq=(\d+)i", lines):
                key = (int(m.group(1)), int(m.group(2)))
                seen[key] = seen.get(key, 0) + 1
            for w in range(args.writers):
                missing = [n for first, last in acked[w] for n in range(first, last + 1) if seen.get((w, n), 0) == 0]
                if missing:
                    problems.append(f"writer {w}: {len(missing)} acknowledged lines lost (first {missing[0]})")
            dups = [k for k, c in seen.items() if c > 1]
            if dups:
                problems.append(f"{len(dups)} lines stored twice (first {dups[0]})")
            unsent = [k for k in seen if k[1] > sent[k[0]]]
            if unsent:
                problems.append(f"{len(unsent)} lines never sent (first {unsent[0]})")
            verify = subprocess.run([args.evq, "verify", "--data-dir", data], capture_output=True, text=True)
            if verify.returncode != 0:
                problems.append("evq verify: " + (verify.stdout + verify.stderr).strip().splitlines()[-1])
            # The restarted views (checkpoint + tail) equal a rebuild from the whole log: same events, same series.
            health = json.load(urllib.request.urlopen(f"http://127.0.0.1:{http}/healthz"))
            if health["views_next_offset"] != health["log_next_offset"]:
                time.sleep(0.5)
                health = json.load(urllib.request.urlopen(f"http://127.0.0.1:{http}/healthz"))
            if health["views_next_offset"] != health["log_next_offset"]:
                problems.append(f"views at {health['views_next_offset']}, log at {health['log_next_offset']}")
            series_live = urllib.request.urlopen(f"http://127.0.0.1:{http}/api/v1/series?format=text").read().decode()
            series_log = subprocess.run([args.evq, "series", "--data-dir", data], capture_output=True, text=True).stdout
            if series_live != series_log:
                problems.append("live series differ from a rebuild")
            p.send_signal(signal.SIGTERM)
            p.wait(30)
            for w in range(args.writers):
                next_seq[w] = sent[w] + 1
            round_acked = sum(last - first + 1 for ranges in acked for first, last in ranges)
            total_acked = round_acked
            status = "ok" if not problems else "; ".join(problems)
            failures += bool(problems)
            print(f"round {round_}: {round_acked} acknowledged lines in all, {len(seen)} stored: {status}", flush=True)
            if problems and args.keep:
                print("crash-harness: kept " + data)
                sys.exit(1)
    finally:
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
    print(json.dumps({"rounds": args.rounds, "acknowledged_lines": total_acked, "rounds_with_problems": failures}))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
