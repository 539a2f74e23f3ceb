"""What the tools' harnesses share about an evqd they start: reading the ports it listens on.

evqd started with `--ingest-addr 127.0.0.1:0 --http-addr 127.0.0.1:0` prints `ingest listening on HOST:PORT` and
`http listening on HOST:PORT` on stdout once each listener is up (logs go to stderr).
"""
import os, re, selectors, time

LISTENING = re.compile(rb"(ingest|http) listening on (\S+):(\d+)\n")


def listening_ports(p, timeout=30.0):
    """(ingest port, HTTP port) of the evqd process `p` (a Popen with stdout=PIPE), or None when it exits or has not
    printed both within `timeout` seconds. Reads the pipe's descriptor directly, so a stuck or dead evqd never holds
    the caller past the deadline."""
    ports = {}
    buffer = b""
    fd = p.stdout.fileno()
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while len(ports) < 2 and time.monotonic() < deadline:
            if not selector.select(min(0.2, max(0.0, deadline - time.monotonic()))):
                if p.poll() is not None:
                    break
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buffer += chunk
            for m in LISTENING.finditer(buffer):
                ports[m.group(1)] = int(m.group(3))
    if len(ports) < 2:
        return None
    return ports[b"ingest"], ports[b"http"]
