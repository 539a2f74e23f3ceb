#!/usr/bin/env python3
"""Load and soak checks of a real evqd (release build) on loopback: many connections, slow readers, broken
connections, HTTP slowloris, and a long sustained-ingest soak with queries, a live stream and RSS sampling.

  tools/soak.py [--duration 600] [--checks a,b,c,d,e] [--evqd .build/release/evqd] [--evq .build/release/evq]
                [--rate 50000] [--rss-max-mb 600] [--rss-slope-max 1.0] [--stall-seconds 5] [--json FILE] [--keep]

Checks (each starts its own evqd on a fresh temporary data directory, ports 127.0.0.1:0):
  a  1,000 concurrent ingest connections each push lines and `#evq sync` and get their `ok`; connections are filled
     up to the limit (evqd's --max-connections default, 1,024) and the next ones get
     `err line=0 col=0 too many connections (limit 1024)` and are closed, while the admitted ones keep being served;
     a freed slot admits a new connection.
  b  slow readers: clients push lines with many bad ones and syncs and never read their replies; evqd drops the
     replies (`evq_replies_dropped_total`, checked to equal exactly the replies the clients never received), its RSS
     stays bounded, and two ordinary clients keep getting their acknowledgements.
  c  connections broken mid-line: complete lines, then a line without its newline, then a reset (RST): every complete
     line is stored exactly once, the fragment is not (wire-protocol.md section 1); with a clean close (FIN) the last
     bytes are a last line and are stored. Checked with `evq export --data-dir` after evqd stopped.
  d  HTTP slowloris: hundreds of connections send a request head a byte a second and never finish it, a few send a
     head announcing a body and then the body a byte a second; /healthz and /api/v1/health keep answering fast on
     fresh connections, every slow head is closed by evqd after its idle timeout (--http-idle-timeout) and every
     slow body right after its answer, and a flood beyond the HTTP connection limit (--max-http-connections) does
     not raise evqd's open sockets beyond that limit (ingest keeps working meanwhile; HTTP answers again once the
     flood is gone).
  e  soak for --duration seconds: one hour of the reference workload (tools' lpgen, 10,000 series) is pushed first so
     every timeline ring is touched, then the workload at --rate lines/s (receive-time stamps) over 2 connections with
     a `#evq sync` every 0.2 s; queries of /healthz, /api/v1/health, a 720-point timeline and /api/v1/events?last=100
     5 times a second; /metrics every 5 s; one SSE consumer on /api/v1/stream?kind=health,alert; evqd's RSS, threads
     and open fds sampled every second. FAIL on a peak RSS over --rss-max-mb, the RSS floor (the least RSS of each
     30 s window) rising faster than --rss-slope-max MB/min over the second half, no acknowledged progress for
     --stall-seconds, any err reply, any HTTP status but 200, the stream dropping or ending, an fd count growing by
     more than 50, evqd exiting, an error/critical in its log, or `evq verify` failing afterwards.

     The RSS bound, 600 MB: the workload has 10,000 series (about 9,300 numeric ones with timelines, plus the host
     collector's), so the timeline rings (one tier, 720 points of 16 B) hold about 10,000 x 720 x 16 B = 115 MB; evqd
     without views is about 60 MB (measured before the prefill: 32 MB, plus ingest and HTTP buffers). A views
     checkpoint (every 60 s) briefly needs up to three more copies of the rings: the applier's copy-on-write copy of
     the views the checkpoint snapshot shares, the encoded payload and the buffer it is copied into before LZ4. So
     60 + 4 x 115 = 520 MB, rounded up to 600. Between checkpoints evqd holds about 60 MB + the rings once.

Every check prints PASS or FAIL with its figures; a JSON summary of all of them is printed last (and written to
--json FILE). Exit 0 when every check passed, 1 otherwise. All traffic is to 127.0.0.1; every loop is bounded in
count and time (a-d take well under a minute each; e takes --duration plus about 15 s).
"""
import argparse, bisect, http.client, json, os, re, resource, selectors, shutil, signal, socket, struct, subprocess
import sys, tempfile, threading, time, urllib.parse

from evqd_process import listening_ports

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


T0 = time.monotonic()
LIVE = []  # evqd processes started, killed at exit if still running


def die_with_parent():
    """In the child before exec: SIGKILL when this script dies, however it dies (prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def log(message):
    """Progress, on stderr (the results go to stdout)."""
    print(f"soak {time.monotonic() - T0:7.1f}s  {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------------------- evqd

class Evqd:
    """One evqd process on a fresh data directory under `work`, listening on 127.0.0.1:0."""

    def __init__(self, args, work, name, extra=()):
        self.args, self.name = args, name
        self.data = os.path.join(work, name + "-data")
        self.err_path = os.path.join(work, name + "-evqd.log")
        command = [args.evqd, "--data-dir", self.data, "--ingest-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
                   "--log-level", "info"] + list(extra)
        self.err = open(self.err_path, "w")
        self.p = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.err, stdin=subprocess.DEVNULL,
                                  preexec_fn=die_with_parent)
        LIVE.append(self.p)
        ports = listening_ports(self.p)
        if ports is None:
            self.p.kill()
            raise SystemExit(f"soak: evqd did not start ({self.err_path})")
        self.ingest, self.http = ports
        self.pid = self.p.pid

    def alive(self):
        return self.p.poll() is None

    def status(self):
        """VmRSS and VmHWM (peak RSS) in MB, threads, open fds, open sockets (from /proc)."""
        rss = hwm = threads = 0
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1]) / 1024
                    elif line.startswith("VmHWM:"):
                        hwm = int(line.split()[1]) / 1024
                    elif line.startswith("Threads:"):
                        threads = int(line.split()[1])
            fds = os.listdir(f"/proc/{self.pid}/fd")
        except OSError:
            return None
        sockets = 0
        for fd in fds:
            try:
                if os.readlink(f"/proc/{self.pid}/fd/{fd}").startswith("socket:"):
                    sockets += 1
            except OSError:
                pass
        return {"rss_mb": rss, "hwm_mb": hwm, "threads": threads, "fds": len(fds), "sockets": sockets}

    def rss_mb(self):
        s = self.status()
        return s["rss_mb"] if s else 0.0

    def get(self, path, timeout=5.0):
        """GET on a fresh connection: (status, body bytes, seconds)."""
        t = time.monotonic()
        c = http.client.HTTPConnection("127.0.0.1", self.http, timeout=timeout)
        try:
            c.request("GET", path)
            r = c.getresponse()
            body = r.read()
            return r.status, body, time.monotonic() - t
        finally:
            c.close()

    def metrics(self):
        """/metrics as {"name" or "name{labels}": value}."""
        status, body, _ = self.get("/metrics")
        out = {}
        if status != 200:
            return out
        for line in body.decode().splitlines():
            if not line or line.startswith("#"):
                continue
            key, _, value = line.rpartition(" ")
            try:
                out[key] = float(value)
            except ValueError:
                pass
        return out

    def metric(self, name, default=0.0):
        return self.metrics().get(name, default)

    def wait_metric(self, name, predicate, timeout):
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.metric(name)
            if predicate(value):
                return value
            time.sleep(0.05)
        return value

    def stop(self, timeout=30):
        """SIGTERM, wait; the exit status (or 'killed' after timeout)."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
                self.err.close()
                return "killed"
        self.err.close()
        return self.p.returncode

    def log_problems(self):
        """Lines of evqd's log at level error or critical, and the number of warnings."""
        problems, warnings = [], 0
        try:
            with open(self.err_path, errors="replace") as f:
                for line in f:
                    if re.match(r"^\S+ (error|critical) ", line):
                        problems.append(line.strip()[:300])
                    elif re.match(r"^\S+ warning ", line):
                        warnings += 1
        except OSError:
            pass
        return problems, warnings


def export(args, data, match):
    run = subprocess.run([args.evq, "export", "--data-dir", data, "--match", match], capture_output=True, timeout=120)
    if run.returncode != 0:
        raise RuntimeError("evq export: " + run.stderr.decode(errors="replace").strip())
    return run.stdout.decode()


def percentile(values, p):
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def ms(seconds):
    return None if seconds is None else round(seconds * 1000, 3)


def slope_mb_per_min(samples):
    """Least-squares slope of (t seconds, rss MB) samples, in MB per minute."""
    n = len(samples)
    if n < 2:
        return 0.0
    mt = sum(t for t, _ in samples) / n
    mv = sum(v for _, v in samples) / n
    den = sum((t - mt) ** 2 for t, _ in samples)
    return 0.0 if den == 0 else sum((t - mt) * (v - mv) for t, v in samples) / den * 60


class Result:
    def __init__(self, name, title):
        self.name, self.title = name, title
        self.failures = []
        self.figures = {}

    def check(self, ok, what):
        if not ok:
            self.failures.append(what)
        return ok

    @property
    def passed(self):
        return not self.failures

    def report(self):
        verdict = "PASS" if self.passed else "FAIL"
        print(f"[{verdict}] {self.name}: {self.title}", flush=True)
        for k, v in self.figures.items():
            print(f"    {k}: {v}", flush=True)
        for f in self.failures:
            print(f"    FAILED: {f}", flush=True)
        return {"check": self.name, "title": self.title, "result": verdict, "failures": self.failures,
                "figures": self.figures}


def finish(result, d, started):
    """Common end of a check: evqd still alive, exits 0 on SIGTERM, no error/critical in its log."""
    result.check(d.alive(), "evqd exited during the check")
    rc = d.stop()
    result.check(rc == 0, f"evqd exit status {rc} after SIGTERM")
    problems, warnings = d.log_problems()
    result.figures["evqd_log_warnings"] = warnings
    if problems:
        result.figures["evqd_log_errors"] = problems[:5]
    result.check(not problems, f"{len(problems)} error/critical lines in evqd's log")
    result.figures["seconds"] = round(time.monotonic() - started, 1)


def read_replies(socks, want, timeout):
    """Reads reply lines from sockets until want(i, line) is satisfied for each (returns True to stop that one).
    Returns {i: [lines]} and the set of indexes that finished."""
    sel = selectors.DefaultSelector()
    bufs, lines, done = {}, {}, set()
    for i, s in socks.items():
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
        bufs[i] = b""
        lines[i] = []
    deadline = time.monotonic() + timeout
    while len(done) < len(socks) and time.monotonic() < deadline:
        for key, _ in sel.select(0.2):
            i = key.data
            try:
                chunk = key.fileobj.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                sel.unregister(key.fileobj)
                done.add(i)
                continue
            bufs[i] += chunk
            while b"\n" in bufs[i]:
                line, bufs[i] = bufs[i].split(b"\n", 1)
                text = line.decode(errors="replace")
                lines[i].append(text)
                if want(i, text) and i not in done:
                    done.add(i)
                    sel.unregister(key.fileobj)
                    break
    sel.close()
    for s in socks.values():
        s.setblocking(True)
    return lines, done


# ----------------------------------------------------------------------------------------------------------- a

def check_a(args, work):
    r = Result("a", f"{args.connections} concurrent ingest connections, the limit and beyond")
    started = time.monotonic()
    d = Evqd(args, work, "a", ["--no-collector"])
    limit = args.max_connections
    lines_per_conn = 100
    socks = {}
    try:
        t = time.monotonic()
        for i in range(args.connections):
            socks[i] = socket.create_connection(("127.0.0.1", d.ingest), timeout=10)
        open_s = time.monotonic() - t
        gauge = d.wait_metric("evq_connections", lambda v: v == args.connections, 10)
        r.check(gauge == args.connections, f"evq_connections is {gauge}, expected {args.connections}")
        # Fill up to the limit, then the next ones must be refused.
        for i in range(args.connections, limit):
            socks[i] = socket.create_connection(("127.0.0.1", d.ingest), timeout=10)
        gauge = d.wait_metric("evq_connections", lambda v: v == limit, 10)
        r.check(gauge == limit, f"evq_connections is {gauge} after filling, expected {limit}")
        refused_ok = 0
        expected = f"err line=0 col=0 too many connections (limit {limit})"
        extra_replies = []
        for k in range(args.over_limit):
            s = socket.create_connection(("127.0.0.1", d.ingest), timeout=10)
            s.settimeout(5)
            data = b""
            try:
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except OSError as e:
                data += f"<{e}>".encode()
            s.close()
            text = data.decode(errors="replace").strip()
            extra_replies.append(text)
            refused_ok += text == expected
        r.check(refused_ok == args.over_limit,
                f"{refused_ok} of {args.over_limit} connections over the limit got '{expected}' then EOF "
                f"(got {extra_replies[:2]})")
        # Every admitted connection pushes lines and a sync, all at once; every one must get its ok.
        t = time.monotonic()
        for i, s in socks.items():
            payload = "".join(f"soak_a,conn=c{i} seq={k}i\n" for k in range(lines_per_conn)) + f"#evq sync a{i}\n"
            s.sendall(payload.encode())
        replies, done = read_replies(socks, lambda i, line: line.startswith(f"ok a{i} "), 60)
        ack_s = time.monotonic() - t
        oks = sum(1 for i in socks if any(l.startswith(f"ok a{i} ") for l in replies[i]))
        errs = sum(1 for i in socks for l in replies[i] if l.startswith("err"))
        r.check(oks == len(socks), f"{oks} of {len(socks)} connections got their ok")
        r.check(errs == 0, f"{errs} err replies")
        # A freed slot admits a new connection.
        for i in range(10):
            socks.pop(i).close()
        d.wait_metric("evq_connections", lambda v: v <= limit - 10, 10)
        s = socket.create_connection(("127.0.0.1", d.ingest), timeout=10)
        s.sendall(b"soak_a,conn=late seq=0i\n#evq sync late\n")
        s.settimeout(10)
        late = s.makefile("rb").readline().decode().strip()
        s.close()
        r.check(late.startswith("ok late "), f"a connection after slots were freed got '{late}'")
        m = d.metrics()
        stored = m.get("evq_events_total", 0)
        want = len(socks) * lines_per_conn + 10 * lines_per_conn + 1
        r.check(stored == want, f"evq_events_total {stored}, expected {want}")
        refused = m.get("evq_connections_refused_total", 0)
        r.check(refused == args.over_limit, f"evq_connections_refused_total {refused}, expected {args.over_limit}")
        st = d.status()
        r.figures.update({
            "connections_held": limit, "connections_opened_s": round(open_s, 2),
            "connections_refused": int(refused), "refusal_reply": extra_replies[0] if extra_replies else None,
            "oks": oks, "all_acked_s": round(ack_s, 2), "events_stored": int(stored),
            "late_connection": late, "evqd_rss_mb": round(st["rss_mb"], 1) if st else None,
            "evqd_fds": st["fds"] if st else None,
        })
    finally:
        for s in socks.values():
            s.close()
    finish(r, d, started)
    return r


# ----------------------------------------------------------------------------------------------------------- b

def check_b(args, work):
    r = Result("b", "slow readers: replies dropped and counted, memory bounded, other clients not stalled")
    started = time.monotonic()
    d = Evqd(args, work, "b", ["--no-collector"])
    n_slow, seconds = args.slow_readers, args.slow_seconds
    # 1,000 lines a chunk: 500 good, 500 bad (each gets an err reply), then a sync.
    chunk_lines = []
    for k in range(500):
        chunk_lines.append(f"soak_b,conn=slow seq={k}i,pad=\"{'x' * 40}\"")
        chunk_lines.append(f"soak_b,conn=slow seq")  # missing "=" after "seq": an err reply each
    chunk = ("\n".join(chunk_lines) + "\n").encode()
    stop = threading.Event()
    slow_stats = [{"chunks": 0, "bytes": 0} for _ in range(n_slow)]
    slow_socks = [socket.create_connection(("127.0.0.1", d.ingest), timeout=30) for _ in range(n_slow)]
    for s in slow_socks:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)  # the replies back up sooner

    def slow(i):
        s = slow_socks[i]
        k = 0
        try:
            while not stop.is_set():
                s.sendall(chunk + f"#evq sync s{i}-{k}\n".encode())
                k += 1
                slow_stats[i]["chunks"] = k
                slow_stats[i]["bytes"] += len(chunk)
        except OSError as e:
            slow_stats[i]["error"] = str(e)

    normal = [{"rounds": 0, "lines": 0, "latencies": [], "errors": []} for _ in range(2)]

    def ordinary(j):
        st = normal[j]
        try:
            s = socket.create_connection(("127.0.0.1", d.ingest), timeout=10)
            f = s.makefile("rb")
            payload = "".join(f"soak_b,conn=n{j} seq={k}i\n" for k in range(1000))
            k = 0
            while not stop.is_set():
                t = time.monotonic()
                s.sendall((payload + f"#evq sync n{j}-{k}\n").encode())
                line = f.readline().decode().strip()
                st["latencies"].append(time.monotonic() - t)
                if not line.startswith(f"ok n{j}-{k} "):
                    st["errors"].append(line or "EOF")
                    return
                st["rounds"] += 1
                st["lines"] += 1000
                k += 1
                time.sleep(0.02)
            s.close()
        except OSError as e:
            st["errors"].append(str(e))

    rss = []
    rss0 = d.rss_mb()

    def sampler():
        t0 = time.monotonic()
        while not stop.is_set():
            rss.append((time.monotonic() - t0, d.rss_mb()))
            time.sleep(0.2)

    threads = [threading.Thread(target=slow, args=(i,), daemon=True) for i in range(n_slow)]
    threads += [threading.Thread(target=ordinary, args=(j,), daemon=True) for j in range(2)]
    threads.append(threading.Thread(target=sampler, daemon=True))
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(30)
    # The slow readers finally read what reached them, then sync once more and read up to its ok.
    received = []
    for i, s in enumerate(slow_socks):
        s.settimeout(1.0)
        buf = b""
        try:
            while True:
                c = s.recv(1 << 20)
                if not c:
                    break
                buf += c
        except socket.timeout:
            pass
        lines = buf.decode(errors="replace").splitlines()
        s.settimeout(10)
        s.sendall(f"#evq sync final-{i}\n".encode())
        f = s.makefile("rb")
        final = f.readline().decode().strip()
        received.append({"lines": len(lines), "errs": sum(l.startswith("err") for l in lines),
                         "oks": sum(l.startswith("ok") for l in lines), "final": final})
        s.close()
    m = d.metrics()
    dropped = m.get("evq_replies_dropped_total", 0)
    bad = sum(st["chunks"] for st in slow_stats) * 500
    syncs = sum(st["chunks"] for st in slow_stats)
    expected_replies = bad + syncs
    got = sum(x["lines"] for x in received)
    r.check(all(x["final"].startswith(f"ok final-{i} ") for i, x in enumerate(received)),
            f"final syncs of the slow readers: {[x['final'] for x in received]}")
    r.check(dropped > 0, "no reply was dropped: the test did not exercise dropping")
    r.check(dropped == expected_replies - got,
            f"evq_replies_dropped_total {dropped} != replies not received {expected_replies - got}")
    rejected = m.get("evq_lines_rejected_total", 0)
    r.check(rejected == bad, f"evq_lines_rejected_total {rejected}, expected {bad}")
    good = bad + sum(st["lines"] for st in normal)
    stored = m.get("evq_events_total", 0)
    r.check(stored == good, f"evq_events_total {stored}, expected {good}")
    peak = max(v for _, v in rss) if rss else 0
    r.check(peak - rss0 <= args.slow_rss_growth_mb,
            f"RSS grew {peak - rss0:.1f} MB (bound {args.slow_rss_growth_mb} MB)")
    lat = [x for st in normal for x in st["latencies"]]
    errors = [e for st in normal for e in st["errors"]]
    r.check(not errors, f"ordinary clients: {errors[:3]}")
    r.check(all(st["rounds"] >= 5 for st in normal), f"ordinary clients' rounds {[st['rounds'] for st in normal]}")
    worst = max(lat) if lat else None
    r.check(worst is not None and worst <= args.slow_max_ack_s,
            f"an ordinary client waited {worst} s for an ack (bound {args.slow_max_ack_s} s)")
    slow_bytes = sum(st["bytes"] for st in slow_stats)
    r.figures.update({
        "slow_readers": n_slow, "slow_seconds": seconds, "slow_lines_sent": syncs * 1000,
        "slow_mb_sent": round(slow_bytes / 1e6, 1), "bad_lines": bad, "syncs": syncs,
        "replies_expected": expected_replies, "replies_received": got, "replies_dropped": int(dropped),
        "rss_start_mb": round(rss0, 1), "rss_peak_mb": round(peak, 1), "rss_end_mb": round(rss[-1][1], 1),
        "ordinary_lines_acked": sum(st["lines"] for st in normal),
        "ordinary_ack_ms_p50": ms(percentile(lat, 50)), "ordinary_ack_ms_p99": ms(percentile(lat, 99)),
        "ordinary_ack_ms_max": ms(worst),
    })
    finish(r, d, started)
    return r


# ----------------------------------------------------------------------------------------------------------- c

def check_c(args, work):
    r = Result("c", "connections broken mid-line: complete lines stored once, fragment not (RST) / stored (FIN)")
    started = time.monotonic()
    d = Evqd(args, work, "c", ["--no-collector"])
    k_lines = 50
    groups = {"reset": 40, "split": 10, "fin": 10, "bad_fin": 5}
    conns = []  # (group, name, socket)
    sent = 0
    for group, n in groups.items():
        for i in range(n):
            name = f"{group}{i}"
            s = socket.create_connection(("127.0.0.1", d.ingest), timeout=10)
            lines = "".join(f"soak_c,conn={name} seq={k}i\n" for k in range(k_lines))
            if group == "bad_fin":
                fragment = f"soak_c,conn={name} frag="  # not a valid line: an err reply, nothing stored
            else:
                fragment = f"soak_c,conn={name} frag=1i"  # a valid line but for its newline
            if group == "split":
                data = (lines + fragment[:10]).encode()
            else:
                data = (lines + fragment).encode()
            s.sendall(data)
            sent += len(data)
            conns.append((group, name, s, fragment))
    # The rest of the split fragments in a later read (still no newline).
    time.sleep(0.2)
    for group, name, s, fragment in conns:
        if group == "split":
            s.sendall(fragment[10:].encode())
            sent += len(fragment) - 10
    # Wait until evqd has read every byte, so the reset cannot discard unread data in the kernel.
    got = d.wait_metric("evq_ingest_bytes_total", lambda v: v >= sent, 10)
    r.check(got == sent, f"evqd read {got} bytes, {sent} sent")
    bad_fin_replies = {}
    for group, name, s, fragment in conns:
        if group in ("reset", "split"):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()  # RST
        else:
            s.shutdown(socket.SHUT_WR)
            s.settimeout(10)
            data = b""
            try:
                while True:
                    c = s.recv(65536)
                    if not c:
                        break
                    data += c
            except OSError:
                pass
            bad_fin_replies[name] = data.decode(errors="replace").strip()
            s.close()
    d.wait_metric("evq_connections", lambda v: v == 0, 10)
    status, body, _ = d.get("/healthz")
    r.check(status == 200, f"/healthz after the broken connections: {status}")
    finish(r, d, started)
    lines = export(args, d.data, "soak_c*").splitlines()
    seen = {}
    for line in lines:
        m = re.match(r"soak_c,conn=(\w+) (seq=(\d+)i|frag=1i) ", line)
        if not m:
            r.check(False, f"unexpected exported line {line!r}")
            continue
        key = (m.group(1), int(m.group(3)) if m.group(3) else "frag")
        seen[key] = seen.get(key, 0) + 1
    missing = dup = frag_stored = frag_missing = 0
    for group, n in groups.items():
        for i in range(n):
            name = f"{group}{i}"
            for k in range(k_lines):
                c = seen.get((name, k), 0)
                missing += c == 0
                dup += c > 1
            f = seen.get((name, "frag"), 0)
            if group == "fin":
                frag_missing += f != 1
            else:
                frag_stored += f != 0
    bad_ok = sum(1 for name, text in bad_fin_replies.items()
                 if name.startswith("bad_fin") and text.startswith(f"err line={k_lines + 1} col="))
    r.check(missing == 0, f"{missing} complete lines not stored")
    r.check(dup == 0, f"{dup} lines stored more than once")
    r.check(frag_stored == 0, f"{frag_stored} fragments of reset connections (or invalid last lines) stored")
    r.check(frag_missing == 0, f"{frag_missing} last lines of cleanly closed connections not stored once")
    r.check(bad_ok == groups["bad_fin"], f"{bad_ok} of {groups['bad_fin']} invalid last lines got an err reply")
    r.figures.update({
        "connections": sum(groups.values()), "reset": groups["reset"], "reset_fragment_split_across_reads":
        groups["split"], "clean_close": groups["fin"], "clean_close_invalid_last_line": groups["bad_fin"],
        "complete_lines_sent": sum(groups.values()) * k_lines, "lines_exported": len(lines),
        "fragments_stored_after_reset": frag_stored,
    })
    return r


# ----------------------------------------------------------------------------------------------------------- d

def http_limits(args):
    """evqd's HTTP connection limit and idle/header timeout from --help (None when it has none)."""
    text = subprocess.run([args.evqd, "--help"], capture_output=True, text=True).stdout
    options = {}  # option -> its help text (an option's block runs to the next line starting with "  -")
    current = None
    for line in text.splitlines():
        m = re.match(r"^  (--[\w-]+)", line)
        if m:
            current = m.group(1)
            options[current] = line
        elif current and line.startswith("    "):
            options[current] += " " + line.strip()
        else:
            current = None

    def default(option):
        m = re.search(r"\(default: ([\d.]+)\)", options.get(option, ""))
        return float(m.group(1)) if m else None

    limit = default("--max-http-connections")
    return (int(limit) if limit is not None else None), default("--http-idle-timeout")


def check_d(args, work):
    r = Result("d", "HTTP slowloris: queries keep answering, slow connections closed, connections bounded")
    started = time.monotonic()
    limit, timeout = http_limits(args)
    d = Evqd(args, work, "d", ["--no-collector"])
    idle = d.status()  # the two listeners
    head = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
    slow = []  # [socket, opened, closed_at or None, bytes sent]
    for _ in range(args.slowloris):
        s = socket.create_connection(("127.0.0.1", d.http), timeout=5)
        s.setblocking(False)
        slow.append([s, time.monotonic(), None, 0])
    # And a few that send a whole head announcing a body, then the body a byte a second.
    body_head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n"
    slow_body = []
    for _ in range(args.slow_bodies):
        s = socket.create_connection(("127.0.0.1", d.http), timeout=5)
        s.sendall(body_head)
        s.setblocking(False)
        slow_body.append([s, time.monotonic(), None, 0])
    base = d.status()
    log(f"d: {args.slowloris} slow connections open, evqd sockets {base and base['sockets']}")
    probes = {"/healthz": [], "/api/v1/health": []}
    probe_errors = []
    phase_s = args.slowloris_seconds
    t0 = time.monotonic()
    next_byte = t0
    while time.monotonic() - t0 < phase_s:
        now = time.monotonic()
        if now >= next_byte:  # one more byte of the head on every slow connection still open, once a second
            next_byte += 1.0
            for c in slow:
                if c[2] is None and c[3] < len(head):
                    try:
                        c[0].send(head[c[3]:c[3] + 1])
                        c[3] += 1
                    except OSError:
                        c[2] = now
            for c in slow_body:
                if c[2] is None:
                    try:
                        c[0].send(b"a")
                    except OSError:
                        c[2] = now
        for c in slow + slow_body:  # closed by the server?
            if c[2] is None:
                try:
                    if c[0].recv(4096) == b"":
                        c[2] = now
                except BlockingIOError:
                    pass
                except OSError:
                    c[2] = now
        for path in probes:
            try:
                status, _, seconds = d.get(path, timeout=5)
                probes[path].append(seconds)
                if status != 200:
                    probe_errors.append(f"{path}: {status}")
            except OSError as e:
                probe_errors.append(f"{path}: {e}")
        if all(c[2] is not None for c in slow + slow_body) and now - t0 > 3:
            break
        time.sleep(0.1)
    mid = d.status()
    log(f"d: slow phase over after {time.monotonic() - t0:.1f} s, evqd sockets {mid and mid['sockets']}")
    holds = [c[2] - c[1] for c in slow if c[2] is not None]
    still_open = sum(1 for c in slow if c[2] is None)
    body_holds = [c[2] - c[1] for c in slow_body if c[2] is not None]
    body_open = sum(1 for c in slow_body if c[2] is None)
    for c in slow + slow_body:
        c[0].close()
    all_lat = [x for v in probes.values() for x in v]
    r.check(not probe_errors, f"probe errors: {probe_errors[:3]}")
    p99 = percentile(all_lat, 99)
    r.check(p99 is not None and p99 <= args.probe_p99_ms / 1000,
            f"probe p99 {ms(p99)} ms during the slowloris (bound {args.probe_p99_ms} ms)")
    r.check(still_open == 0, f"{still_open} of {args.slowloris} slow connections still open after {phase_s} s "
                             f"(evqd's idle/header timeout: {timeout} s)")
    r.check(body_open == 0 and all(h <= 5 for h in body_holds),
            f"{body_open} of {args.slow_bodies} connections trickling a request body still open after {phase_s} s "
            f"(closed after {[round(h, 1) for h in body_holds][:3]} s)")
    # A flood beyond the connection limit: evqd must not hold more HTTP sockets than its limit.
    flood_n = (limit or 512) + args.flood_extra
    flood, refused = [], 0
    for k in range(flood_n):
        try:
            s = socket.create_connection(("127.0.0.1", d.http), timeout=2)
            s.send(b"GET /healthz HTTP/1.1\r\nHo")
            flood.append(s)
        except OSError:
            refused += 1
    time.sleep(1.5)
    during = d.status()
    log(f"d: flood of {flood_n} open ({refused} failed), evqd sockets {during and during['sockets']}")
    # Ingest is unaffected while HTTP is saturated.
    t = time.monotonic()
    s = socket.create_connection(("127.0.0.1", d.ingest), timeout=10)
    s.settimeout(10)
    s.sendall(b"soak_d,conn=x seq=1i\n#evq sync d\n")
    ingest_reply = s.makefile("rb").readline().decode().strip()
    ingest_s = time.monotonic() - t
    s.close()
    for s in flood:
        s.close()
    t = time.monotonic()
    recovered = None
    while time.monotonic() - t < 10:
        try:
            status, _, _ = d.get("/healthz", timeout=2)
            if status == 200:
                recovered = time.monotonic() - t
                break
        except OSError:
            pass
        time.sleep(0.05)
    held = during["sockets"] - idle["sockets"] if during and idle else None
    r.check(limit is not None, "evqd has no HTTP connection limit (--max-http-connections)")
    if limit is not None and held is not None:
        r.check(held <= limit + 5, f"evqd held {held} sockets during a flood of {flood_n} (limit {limit})")
    r.check(ingest_reply.startswith("ok d "), f"ingest while HTTP was flooded: '{ingest_reply}'")
    r.check(recovered is not None, "HTTP did not answer again within 10 s after the flood")
    r.figures.update({
        "http_connection_limit": limit, "http_idle_timeout_s": timeout, "slowloris_connections": args.slowloris,
        "slowloris_closed_by_evqd": len(holds), "slowloris_still_open": still_open,
        "slowloris_held_s_min": round(min(holds), 1) if holds else None,
        "slowloris_held_s_max": round(max(holds), 1) if holds else None,
        "slow_body_connections": args.slow_bodies, "slow_body_still_open": body_open,
        "slow_body_held_s_max": round(max(body_holds), 1) if body_holds else None,
        "evqd_sockets_with_slowloris": base["sockets"] if base else None,
        "probes": len(all_lat), "probe_ms_p50": ms(percentile(all_lat, 50)), "probe_ms_p99": ms(p99),
        "probe_ms_max": ms(max(all_lat) if all_lat else None),
        "flood_connections": flood_n, "flood_connect_failures": refused,
        "evqd_http_sockets_during_flood": held,
        "evqd_fds_during_flood": during["fds"] if during else None,
        "ingest_ack_during_flood_ms": ms(ingest_s), "http_recovered_after_flood_s": ms(recovered) and
        round(recovered, 2),
    })
    finish(r, d, started)
    return r


# ----------------------------------------------------------------------------------------------------------- e

def build_lpgen(work):
    src = os.path.join(ROOT, "..", "shared", "workload", "lpgen.c")
    out = os.path.join(work, "lpgen")
    subprocess.run(["cc", "-O2", "-o", out, src], check=True)
    return out


class Writer(threading.Thread):
    """Pushes workload ticks (2,000 lines each, no timestamps) at its share of the rate, `#evq sync` every 0.2 s;
    a reader thread records the acknowledged offsets and any err reply."""

    def __init__(self, wid, port, ticks, lines_per_s, deadline):
        super().__init__(daemon=True)
        self.wid, self.ticks, self.rate, self.deadline = wid, ticks, lines_per_s, deadline
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sent_lines = 0
        self.syncs = 0
        self.acks = []  # (monotonic, offset, lines sent before that sync)
        self.sync_lines = {}
        self.errors = []
        self.last_ack = time.monotonic()
        self.max_ack_gap = 0.0
        self.failed = None
        self.final_sync = None
        self.reader = threading.Thread(target=self.read, daemon=True)

    def run(self):
        self.reader.start()
        t0 = time.monotonic()
        next_sync = t0 + 0.2
        i = 0
        try:
            while time.monotonic() < self.deadline:
                due = (time.monotonic() - t0) * self.rate
                while self.sent_lines + 2000 <= due:
                    self.sock.sendall(self.ticks[i % len(self.ticks)])
                    i += 1
                    self.sent_lines += 2000
                now = time.monotonic()
                if now >= next_sync:
                    self.sync_lines[self.syncs] = self.sent_lines
                    self.sock.sendall(f"#evq sync e{self.wid}-{self.syncs}\n".encode())
                    self.syncs += 1
                    next_sync += 0.2
                time.sleep(0.005)
            self.sync_lines[self.syncs] = self.sent_lines
            self.final_sync = self.syncs
            self.sock.sendall(f"#evq sync e{self.wid}-{self.syncs}\n".encode())
            self.syncs += 1
        except OSError as e:
            self.failed = str(e)

    def read(self):
        f = self.sock.makefile("rb")
        try:
            while True:
                line = f.readline()
                if not line:
                    return
                text = line.decode(errors="replace").strip()
                now = time.monotonic()
                m = re.match(rf"ok e{self.wid}-(\d+) (-?\d+)$", text)
                if m:
                    self.max_ack_gap = max(self.max_ack_gap, now - self.last_ack)
                    self.last_ack = now
                    self.acks.append((now, int(m.group(2)), self.sync_lines.get(int(m.group(1)), 0)))
                    if int(m.group(1)) == self.final_sync:
                        return
                else:
                    self.errors.append(text[:200])
        except OSError as e:
            if not self.failed:
                self.failed = str(e)

    def acked_lines(self):
        return self.acks[-1][2] if self.acks else 0


class SSE(threading.Thread):
    """One live-stream consumer: de-chunks the response, counts messages, checks ids only increase, and records a
    `dropped` event, the stream ending, or an error."""

    def __init__(self, port, path, deadline):
        super().__init__(daemon=True)
        self.port, self.path, self.deadline = port, path, deadline
        self.events = 0
        self.keepalives = 0
        self.problems = []
        self.last_id = -1
        self.stopped = threading.Event()

    def run(self):
        try:
            s = socket.create_connection(("127.0.0.1", self.port), timeout=60)
            s.sendall(f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode())
            f = s.makefile("rb", buffering=1 << 20)
            status = f.readline().decode(errors="replace")
            if " 200 " not in status:
                self.problems.append("stream status " + status.strip())
                return
            chunked = False
            while True:
                header = f.readline()
                if header in (b"\r\n", b"\n", b""):
                    break
                if header.lower().startswith(b"transfer-encoding:") and b"chunked" in header.lower():
                    chunked = True
            pending = b""
            while not self.stopped.is_set():
                if chunked:
                    size_line = f.readline()
                    if not size_line:
                        break
                    size = int(size_line.split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        break
                    data = f.read(size)
                    f.readline()  # the CRLF after the chunk
                else:
                    data = f.read1(1 << 16)
                    if not data:
                        break
                pending += data
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    if line.startswith(b"id: "):
                        i = int(line[4:])
                        if i <= self.last_id:
                            self.problems.append(f"id {i} after {self.last_id}")
                        self.last_id = i
                        self.events += 1
                    elif line.startswith(b": keep-alive"):
                        self.keepalives += 1
                    elif line.startswith(b"event: "):
                        self.problems.append("stream " + line.decode(errors="replace").strip())
            if not self.stopped.is_set():
                self.problems.append("stream ended")
        except (OSError, ValueError) as e:
            if not self.stopped.is_set():
                self.problems.append(f"stream: {e}")


def check_e(args, work):
    r = Result("e", f"soak: {args.duration} s of ingest at {args.rate} lines/s, queries, live stream, RSS")
    started = time.monotonic()
    lpgen = build_lpgen(work)
    hour = os.path.join(work, "hour.lp")
    now = int(time.time())
    subprocess.run([lpgen, "-n", "1440000", "-t", str(now - 3600), "-o", hour], check=True)
    live = subprocess.run([lpgen, "-n", "100000", "-t", str(now)], check=True, capture_output=True).stdout
    # 50 ticks of 2,000 lines without their timestamps: the live phase's events get their receive time.
    lines = [l.rsplit(b" ", 1)[0] + b"\n" for l in live.splitlines()]
    ticks = [b"".join(lines[k:k + 2000]) for k in range(0, len(lines), 2000)]
    d = Evqd(args, work, "e", [])
    rss_start = d.rss_mb()
    # The last hour, pushed once and synced: every series' ring is touched from the start.
    t = time.monotonic()
    s = socket.create_connection(("127.0.0.1", d.ingest), timeout=60)
    with open(hour, "rb") as f:
        while True:
            block = f.read(1 << 20)
            if not block:
                break
            s.sendall(block)
    s.sendall(b"#evq sync prefill\n")
    s.settimeout(120)
    prefill_reply = s.makefile("rb").readline().decode().strip()
    s.close()
    prefill_s = time.monotonic() - t
    r.check(prefill_reply.startswith("ok prefill "), f"prefill: '{prefill_reply}'")
    os.unlink(hour)
    deadline = time.monotonic() + args.duration
    sse = SSE(d.http, "/api/v1/stream?kind=health,alert", deadline)
    sse.start()
    writers = [Writer(w, d.ingest, ticks[w::2], args.rate / 2, deadline) for w in range(2)]
    soak_t0 = time.monotonic()
    for w in writers:
        w.start()
    series = urllib.parse.quote("cpu,host=h0,core=0 usage_user")
    queries = {
        "healthz": "/healthz",
        "health": "/api/v1/health",
        "timeline": f"/api/v1/timeline?series={series}&points=720&step=5s",
        "events": "/api/v1/events?last=100",
    }
    latencies = {k: [] for k in queries}
    latencies["metrics"] = []
    http_errors = []
    timeline_points = []
    samples = []  # (t, rss, threads, fds)
    metrics_last = {}
    stall = None
    conn = None
    next_sample = next_metrics = time.monotonic()
    while time.monotonic() < deadline:
        now = time.monotonic()
        if not d.alive():
            break
        if now >= next_sample:
            st = d.status()
            if st:
                samples.append((now - soak_t0, st["rss_mb"], st["threads"], st["fds"]))
            next_sample += 1.0
            gap = max(now - w.last_ack for w in writers)
            if gap > args.stall_seconds and stall is None:
                stall = round(gap, 1)
        for name, path in queries.items():
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", d.http, timeout=10)
                t = time.monotonic()
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
                latencies[name].append(time.monotonic() - t)
                if resp.status != 200:
                    http_errors.append(f"{name}: {resp.status} {body[:100]!r}")
                elif name == "timeline":
                    timeline_points.append(body.count(b"],[") + 1 - body.count(b"null"))
            except (OSError, http.client.HTTPException) as e:
                http_errors.append(f"{name}: {e}")
                conn = None
        if now >= next_metrics:
            t = time.monotonic()
            try:
                metrics_last = d.metrics()
                latencies["metrics"].append(time.monotonic() - t)
            except OSError as e:
                http_errors.append(f"metrics: {e}")
            next_metrics += 5.0
        time.sleep(max(0.0, 0.2 - (time.monotonic() - now)))
    soak_s = time.monotonic() - soak_t0
    end_status = d.status()
    for w in writers:
        w.join(30)
        w.reader.join(30)
    sse.stopped.set()
    final_metrics = d.metrics() if d.alive() else metrics_last
    if conn is not None:
        conn.close()
    sse.join(5)
    acked = sum(w.acked_lines() for w in writers)
    sent = sum(w.sent_lines for w in writers)
    errors = [e for w in writers for e in w.errors]
    failed = [w.failed for w in writers if w.failed]
    rss = [v for _, v, _, _ in samples]
    second_half = [(t, v) for t, v, _, _ in samples if t >= soak_s / 2]
    slope = slope_mb_per_min(second_half)
    # The floor of each 30 s window: what evqd holds between views checkpoints (each one briefly adds a copy of the
    # views and the encoded checkpoint, see the docstring); a leak raises the floor.
    floors = []
    for t, v, _, _ in samples:
        w = int(t // 30)
        if floors and floors[-1][0] == w:
            floors[-1][1] = min(floors[-1][1], v)
        else:
            floors.append([w, v])
    floor_half = [(w * 30 + 15, v) for w, v in floors[:-1] if w * 30 >= soak_s / 2]  # the last window is partial
    floor_slope = slope_mb_per_min(floor_half)
    peak = max(rss) if rss else 0
    fds = [f for _, _, _, f in samples]
    r.check(d.alive(), "evqd exited during the soak")
    r.check(not stall, f"no acknowledged progress for {stall} s (bound {args.stall_seconds} s)")
    r.check(all(w.max_ack_gap <= args.stall_seconds for w in writers),
            f"largest gap between acks {max(w.max_ack_gap for w in writers):.1f} s")
    r.check(not errors, f"{len(errors)} err replies: {errors[:3]}")
    r.check(not failed, f"writers failed: {failed}")
    r.check(acked == sent, f"{acked} of {sent} lines acknowledged")
    r.check(acked >= 0.95 * args.rate * args.duration, f"only {acked} lines acknowledged in {args.duration} s")
    r.check(not http_errors, f"{len(http_errors)} HTTP errors: {http_errors[:3]}")
    r.check(not sse.problems, f"live stream: {sse.problems[:3]}")
    r.check(sse.events > 0, "the live stream delivered no event")
    hwm = end_status["hwm_mb"] if end_status else peak
    r.check(max(peak, hwm) <= args.rss_max_mb,
            f"peak RSS {max(peak, hwm):.1f} MB over the bound {args.rss_max_mb} MB")
    r.check(len(floor_half) < 3 or floor_slope <= args.rss_slope_max,
            f"the RSS floor rose {floor_slope:.2f} MB/min over the second half (bound {args.rss_slope_max})")
    r.check(not fds or max(fds) - fds[0] <= 50, f"open fds grew from {fds[0] if fds else 0} to {max(fds or [0])}")
    r.check(final_metrics.get("evq_stream_subscribers_dropped_total", 0) == 0, "a stream subscriber was dropped")
    r.check(final_metrics.get("evq_lines_rejected_total", 0) == 0, "lines were rejected")
    lat = {}
    for name, v in latencies.items():
        lat[name] = {"n": len(v), "p50_ms": ms(percentile(v, 50)), "p99_ms": ms(percentile(v, 99)),
                     "max_ms": ms(max(v) if v else None)}
    series_count = final_metrics.get("evq_timeline_series", 0)
    views_mb = series_count * 720 * 16 / 1e6
    r.figures.update({
        "rate_target_lines_per_s": args.rate, "soak_s": round(soak_s, 1),
        "prefill_lines": 1440000, "prefill_s": round(prefill_s, 2),
        "lines_sent": sent, "lines_acked": acked, "ingest_lines_per_s": round(acked / soak_s),
        "syncs": sum(w.syncs for w in writers), "max_ack_gap_s": round(max(w.max_ack_gap for w in writers), 3),
        "events_in_log": int(final_metrics.get("evq_log_next_offset", 0)),
        "views_lag_events_end": int(final_metrics.get("evq_views_lag_events", 0)),
        "timeline_series": int(series_count), "timeline_ring_mb": round(views_mb, 1),
        "timeline_points_with_data_last": timeline_points[-1] if timeline_points else None,
        "rss_before_prefill_mb": round(rss_start, 1),
        "rss_start_mb": round(rss[0], 1) if rss else None, "rss_peak_mb": round(peak, 1),
        "rss_end_mb": round(rss[-1], 1) if rss else None, "rss_bound_mb": args.rss_max_mb,
        "rss_peak_kernel_vmhwm_mb": round(hwm, 1),
        "rss_slope_second_half_mb_per_min": round(slope, 3),
        "rss_floor_30s_windows_mb": [round(v, 1) for _, v in floors],
        "rss_floor_slope_second_half_mb_per_min": round(floor_slope, 3),
        "threads_start_end": [samples[0][2], samples[-1][2]] if samples else None,
        "fds_start_max_end": [fds[0], max(fds), fds[-1]] if fds else None,
        "queries": lat, "http_errors": len(http_errors),
        "sse_events": sse.events, "sse_keepalives": sse.keepalives, "sse_last_id": sse.last_id,
        "alerts_in_log": None,
        "stream_subscribers_dropped": int(final_metrics.get("evq_stream_subscribers_dropped_total", 0)),
        "checkpoint_age_s_end": final_metrics.get("evq_checkpoint_age_seconds"),
    })
    with open(os.path.join(work, "e-rss.tsv"), "w") as f:
        for t, v, th, fd in samples:
            f.write(f"{t:.1f}\t{v:.1f}\t{th}\t{fd}\n")
    finish(r, d, started)
    verify = subprocess.run([args.evq, "verify", "--data-dir", d.data], capture_output=True, text=True, timeout=600)
    r.check(verify.returncode == 0, "evq verify: " + (verify.stdout + verify.stderr).strip()[-200:])
    alerts = subprocess.run([args.evq, "alerts", "--data-dir", d.data, "--json"], capture_output=True, text=True,
                            timeout=600)
    try:
        r.figures["alerts_in_log"] = len(json.loads(alerts.stdout).get("alerts", []))
    except ValueError:
        pass
    return r


# ----------------------------------------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checks", default="a,b,c,d,e", help="which checks to run, comma-separated")
    ap.add_argument("--evqd", default=os.path.join(ROOT, ".build/release/evqd"))
    ap.add_argument("--evq", default=os.path.join(ROOT, ".build/release/evq"))
    ap.add_argument("--json", help="also write the JSON summary to this file")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (data, logs, RSS samples)")
    ap.add_argument("--connections", type=int, default=1000, help="a: concurrent connections that push and sync")
    ap.add_argument("--max-connections", type=int, default=1024, help="a: evqd's connection limit (its default)")
    ap.add_argument("--over-limit", type=int, default=5, help="a: connections tried beyond the limit")
    ap.add_argument("--slow-readers", type=int, default=4, help="b: clients that never read their replies")
    ap.add_argument("--slow-seconds", type=float, default=15, help="b: how long they push")
    ap.add_argument("--slow-rss-growth-mb", type=float, default=150, help="b: bound on evqd's RSS growth")
    ap.add_argument("--slow-max-ack-s", type=float, default=2.0, help="b: bound on an ordinary client's ack wait")
    ap.add_argument("--slowloris", type=int, default=400, help="d: slow HTTP connections")
    ap.add_argument("--slow-bodies", type=int, default=20, help="d: connections trickling a request body")
    ap.add_argument("--slowloris-seconds", type=float, default=30, help="d: longest the slow phase lasts")
    ap.add_argument("--probe-p99-ms", type=float, default=100, help="d: bound on the probes' p99 latency")
    ap.add_argument("--flood-extra", type=int, default=100, help="d: flood connections beyond the HTTP limit")
    ap.add_argument("--duration", type=float, default=600, help="e: seconds of sustained ingest")
    ap.add_argument("--rate", type=float, default=50000, help="e: lines per second")
    ap.add_argument("--rss-max-mb", type=float, default=600, help="e: bound on evqd's peak RSS (see e above)")
    ap.add_argument("--rss-slope-max", type=float, default=1.0,
                    help="e: bound on the rise of the RSS floor over the second half, MB/min")
    ap.add_argument("--stall-seconds", type=float, default=5, help="e: longest time without an acknowledgement")
    args = ap.parse_args()
    for path in (args.evqd, args.evq):
        if not os.access(path, os.X_OK):
            raise SystemExit(f"soak: {path} is not an executable (build with swift build -c release)")
    # 1,000+ client sockets here, as many in evqd (which inherits the limit).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 8192
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft < 2 * (args.max_connections + 200):
        raise SystemExit(f"soak: RLIMIT_NOFILE is {soft} (hard {hard}); need {2 * (args.max_connections + 200)}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))  # run the cleanup below
    work = tempfile.mkdtemp(prefix="evq-soak-")
    checks = {"a": check_a, "b": check_b, "c": check_c, "d": check_d, "e": check_e}
    results = []
    try:
        for name in args.checks.split(","):
            name = name.strip()
            try:
                result = checks[name](args, work)
            except Exception as e:  # a check that could not run is a failure, the others still run
                result = Result(name, "could not run")
                result.check(False, f"{type(e).__name__}: {e}")
            results.append(result.report())
    finally:
        for p in LIVE:
            if p.poll() is None:
                p.kill()
                p.wait()
        if args.keep:
            print(f"soak: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    summary = {"passed": all(r["result"] == "PASS" for r in results), "checks": results,
               "evqd": args.evqd, "rlimit_nofile": soft}
    text = json.dumps(summary, indent=1)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    sys.exit(0 if summary["passed"] else 1)


if __name__ == "__main__":
    main()
