#!/usr/bin/env python3
"""Loads evqd's status page in headless Chromium and checks it, over the DevTools protocol (stdlib only).

  tools/page-check.py --url http://127.0.0.1:8052/ --expect ib_gateway --expect alice \
      --screenshot out.png [--then 'evq push ...' --expect-after md_feed]

Waits until the page has loaded its data and shows every --expect text, takes a screenshot, then (with --then)
runs the command and waits until the page shows every --expect-after text without being reloaded (the live
stream). Fails (exit 1) on a timeout, and on any console error, uncaught exception or failed request.
"""
import argparse, base64, json, os, shutil, socket, struct, subprocess, sys, tempfile, time


class DevTools:
    """A minimal WebSocket client (RFC 6455, text frames) speaking the Chrome DevTools protocol."""

    def __init__(self, ws_url):
        assert ws_url.startswith("ws://")
        host_port, path = ws_url[5:].split("/", 1)
        host, port = host_port.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("websocket handshake failed: %r" % head)
        self.next_id = 0
        self.events = []

    def _send(self, text):
        data = text.encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        n = len(data)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _exactly(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise RuntimeError("devtools connection closed")
            out += chunk
        return out

    def _receive(self):
        message = b""
        while True:
            b0, b1 = self._exactly(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._exactly(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._exactly(8))[0]
            payload = self._exactly(n)
            opcode = b0 & 0x0F
            if opcode in (1, 0):
                message += payload
                if b0 & 0x80:
                    return json.loads(message)
            elif opcode == 8:
                raise RuntimeError("devtools connection closed")

    def call(self, method, **params):
        self.next_id += 1
        self._send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = self._receive()
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")


def problems(events):
    found = []
    for e in events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            found.append("uncaught exception: " + details.get("exception", {}).get("description", details.get("text", "?")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
            found.append("console.%s: %s" % (params["type"], " ".join(str(a.get("value", a.get("description"))) for a in params.get("args", []))))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
            entry = params["entry"]
            found.append("log %s: %s %s" % (entry["level"], entry.get("text"), entry.get("url", "")))
    return found


def wait_for(tools, texts, timeout):
    deadline = time.time() + timeout
    missing = texts
    while time.time() < deadline:
        body = tools.evaluate("document.body.dataset.loaded === 'true' ? document.body.innerText : ''") or ""
        missing = [t for t in texts if t not in body]
        if body and not missing:
            return body
        time.sleep(0.2)
    raise SystemExit("page-check: timed out; the page does not show %s" % missing)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--expect", action="append", default=[])
    parser.add_argument("--screenshot")
    parser.add_argument("--then")
    parser.add_argument("--expect-after", action="append", default=[])
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()

    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not browser:
        raise SystemExit("page-check: chromium not found (tools/setup --test installs it)")
    profile = tempfile.mkdtemp(prefix="evq-page-check-")
    chrome = subprocess.Popen(
        [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
         "--disable-extensions", "--remote-debugging-port=0", "--user-data-dir=" + profile,
         "--window-size=1400,1100", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not (os.path.exists(port_file) and open(port_file).read().count("\n") >= 1):
            if time.time() > deadline or chrome.poll() is not None:
                raise SystemExit("page-check: chromium did not start")
            time.sleep(0.1)
        port = open(port_file).read().split("\n")[0]
        # The page target (about:blank) to drive.
        import urllib.request
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = next(t for t in targets if t.get("type") == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log", "Network"):
            tools.call(domain + ".enable")
        tools.call("Page.navigate", url=args.url)
        wait_for(tools, args.expect, args.timeout)
        if args.screenshot:
            time.sleep(0.5)  # let the charts draw
            shot = tools.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
            with open(args.screenshot, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            print("page-check: screenshot " + os.path.abspath(args.screenshot))
        if args.then:
            marker = "window.__evqMarker = 1"  # a reload would lose it
            tools.evaluate(marker)
            subprocess.run(args.then, shell=True, check=True)
            wait_for(tools, args.expect_after, args.timeout)
            if tools.evaluate("window.__evqMarker") != 1:
                raise SystemExit("page-check: the page was reloaded instead of updating live")
            print("page-check: live update seen: %s" % ", ".join(args.expect_after))
        tools.call("Runtime.evaluate", expression="0")  # collect the events that arrived meanwhile
        found = problems(tools.events)
        # Failed network requests (Network.loadingFailed) other than the live stream being torn down at the end.
        found += ["request failed: %s" % e["params"].get("errorText") for e in tools.events
                  if e.get("method") == "Network.loadingFailed" and e["params"].get("errorText") != "net::ERR_ABORTED"]
        if found:
            print("page-check: problems:\n  " + "\n  ".join(found))
            sys.exit(1)
        print("page-check: no console errors")
    finally:
        chrome.kill()
        chrome.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
