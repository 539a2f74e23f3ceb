import HTTPTypes
import Hummingbird
import NIOCore

/// The status page at `/`: one self-contained HTML document (no build step, no CDN, works offline) that reads the
/// JSON API and follows the live stream (`spec/http-api.md`, "Status page").
enum StatusPage {
    static func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>evq status</title>
        <link rel="icon" href="data:,">
        <style>
        :root { --green:#1f9d55; --yellow:#d69e2e; --red:#e3342f; --grey:#8795a1; --bg:#f7f8fa; --fg:#22292f; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
        header { display: flex; align-items: center; gap: 16px; padding: 12px 20px; background: #fff; border-bottom: 1px solid #dae1e7; }
        header h1 { font-size: 18px; margin: 0; }
        main { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; padding: 16px 20px; }
        section { background: #fff; border: 1px solid #dae1e7; border-radius: 6px; padding: 12px 14px; min-width: 0; }
        section h2 { font-size: 15px; margin: 0 0 8px; }
        section.wide { grid-column: 1 / -1; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #f1f5f8; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 280px; }
        th { font-weight: 600; color: #606f7b; font-size: 12px; }
        .badge { display: inline-block; min-width: 58px; text-align: center; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; font-weight: 600; }
        .green { background: var(--green); } .yellow { background: var(--yellow); } .red { background: var(--red); } .grey { background: var(--grey); }
        .muted { color: #8795a1; font-size: 12px; }
        .gauges { display: flex; flex-wrap: wrap; gap: 12px; }
        .gauge { width: 150px; text-align: center; }
        .gauge .value { font-size: 22px; font-weight: 600; }
        .bar { height: 10px; background: #f1f5f8; border-radius: 5px; overflow: hidden; }
        .bar > div { height: 100%; }
        .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 12px; }
        .chart svg { width: 100%; height: 110px; background: #fbfcfd; border: 1px solid #f1f5f8; }
        .chart .title { font-size: 12px; color: #606f7b; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
        #error { color: var(--red); }
        </style>
        </head>
        <body>
        <header>
          <h1>evq</h1>
          <span id="overall" class="badge grey">…</span>
          <span>score <b id="score">–</b></span>
          <span class="muted" id="updated"></span>
          <span class="muted" id="live">connecting…</span>
          <span id="error"></span>
        </header>
        <main>
          <section class="wide"><h2>Components</h2>
            <table id="components"><thead><tr><th>component</th><th>host</th><th>status</th><th>health</th><th>freshness</th><th>age</th><th>since</th><th>latency</th><th>message</th></tr></thead><tbody></tbody></table>
          </section>
          <section><h2>Resources</h2><div class="gauges" id="gauges"><span class="muted">no host series yet</span></div></section>
          <section><h2>Strategy slots <span id="slotcount" class="badge grey">–</span></h2>
            <div class="bar"><div id="slotbar" style="width:0%"></div></div>
            <table id="slots"><thead><tr><th>strategy</th><th>conid</th><th>symbol</th><th>since</th></tr></thead><tbody></tbody></table>
            <div id="conflicts" class="muted"></div>
          </section>
          <section class="wide"><h2>Alerts</h2>
            <table id="alerts"><thead><tr><th>alert</th><th>labels</th><th>severity</th><th>state</th><th>fired</th><th>acknowledged by</th><th>resolved</th><th>message</th></tr></thead><tbody></tbody></table>
          </section>
          <section class="wide"><h2>Timelines <span class="muted">720 × 5 s</span></h2>
            <div><input id="pattern" size="50" placeholder="series globs separated by |, e.g. cpu,host=* usage_active"> <button id="apply">show</button></div>
            <div class="charts" id="charts"></div>
          </section>
        </main>
        <script>
        "use strict";
        const GAUGES = [
          { name: "CPU", match: "cpu,host=* usage_active", warn: 80, crit: 90, unit: "%" },
          { name: "Memory", match: "mem,host=* used_percent", warn: 85, crit: 95, unit: "%" },
          { name: "Disk used", match: "disk,*path=/,* used_percent", warn: 80, crit: 90, unit: "%" },
        ];
        const DEFAULT_CHARTS = ["cpu,host=* usage_active", "mem,host=* used_percent", "system,host=* load1"];
        let token = localStorage.getItem("evq-token") || "";
        let chartPatterns = (localStorage.getItem("evq-charts") || "").split("\n").filter(x => x) ;
        if (chartPatterns.length === 0) chartPatterns = DEFAULT_CHARTS;

        function el(tag, attrs, text) {
          const e = document.createElement(tag);
          for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
          if (text !== undefined && text !== null) e.textContent = String(text);
          return e;
        }
        function badge(color, text) { return el("span", { class: "badge " + (color || "grey") }, text ?? color); }
        function time(t) { return t ? t.replace("T", " ").replace(/\.\d+Z$|Z$/, "Z") : "–"; }
        function age(s) { if (s === null || s === undefined) return "–"; if (s < 120) return Math.round(s) + "s"; if (s < 7200) return Math.round(s / 60) + "m"; return Math.round(s / 3600) + "h"; }

        async function api(path) {
          const headers = token ? { Authorization: "Bearer " + token } : {};
          const r = await fetch(path, { headers, cache: "no-store" });
          if (r.status === 401) {
            const t = prompt("evqd needs a token");
            if (t) { token = t; localStorage.setItem("evq-token", t); return api(path); }
          }
          if (!r.ok) { const body = await r.json().catch(() => ({ error: r.statusText })); throw new Error(path + ": " + body.error); }
          return r.json();
        }

        function fill(tbody, rows) {
          tbody.replaceChildren(...rows.map(cells => { const tr = el("tr"); for (const c of cells) { const td = el("td"); if (c instanceof Node) td.append(c); else td.textContent = c ?? "–"; tr.append(td); } return tr; }));
        }

        async function refreshHealth() {
          const h = await api("/api/v1/health");
          const overall = document.getElementById("overall");
          overall.className = "badge " + h.overall; overall.textContent = h.overall;
          document.getElementById("score").textContent = h.score;
          fill(document.querySelector("#components tbody"), h.components.map(c => [
            c.component, c.host, c.status, badge(c.color), badge(c.freshness === "fresh" ? "green" : c.freshness === "warning" ? "yellow" : "red", c.freshness),
            age(c.age_s), time(c.since), c.latency_ms !== null && c.latency_ms !== undefined ? c.latency_ms + " ms" : "–", c.message,
          ]));
        }

        async function refreshSlots() {
          const s = await api("/api/v1/slots");
          const color = s.used >= s.limit ? "red" : s.warning ? "yellow" : "green";
          const count = document.getElementById("slotcount");
          count.className = "badge " + color; count.textContent = s.used + " / " + s.limit;
          const bar = document.getElementById("slotbar");
          bar.className = color; bar.style.width = Math.min(100, 100 * s.used / Math.max(1, s.limit)) + "%";
          fill(document.querySelector("#slots tbody"), s.active.map(a => [a.strategy, a.conid, a.symbol, time(a.since)]));
          document.getElementById("conflicts").textContent = s.conflicts.length ? s.conflicts.length + " conflicts (double acquire / release without acquire)" : "";
        }

        async function refreshAlerts() {
          const a = await api("/api/v1/alerts");
          const rows = a.alerts.slice().sort((x, y) => (x.state === "resolved") - (y.state === "resolved") || (y.fired_at || "").localeCompare(x.fired_at || "")).slice(0, 50);
          fill(document.querySelector("#alerts tbody"), rows.map(r => [
            r.alert, Object.entries(r.labels || {}).map(([k, v]) => k + "=" + v).join(","), r.severity,
            badge(r.state === "resolved" ? "green" : r.severity === "critical" ? "red" : "yellow", r.state),
            time(r.fired_at), r.acked_by ? r.acked_by + " (" + time(r.acked_at) + ")" : "–", time(r.resolved_at), r.message,
          ]));
        }

        async function firstSeries(pattern) {
          const list = await api("/api/v1/series?match=" + encodeURIComponent(pattern));
          return list.series;
        }

        async function refreshGauges() {
          const box = document.getElementById("gauges");
          const parts = [];
          for (const g of GAUGES) {
            const names = await firstSeries(g.match);
            for (const name of names.slice(0, 4)) {
              const t = await api("/api/v1/timeline?points=12&series=" + encodeURIComponent(name));
              const last = t.points.map(p => p[1]).filter(v => v !== null).pop();
              if (last === undefined) continue;
              const color = last >= g.crit ? "red" : last >= g.warn ? "yellow" : "green";
              const d = el("div", { class: "gauge", "data-series": name });
              d.append(el("div", { class: "muted" }, g.name + " " + (name.match(/host=([^, ]+)/) || ["", ""])[1]));
              d.append(el("div", { class: "value" }, last.toFixed(1) + g.unit));
              const bar = el("div", { class: "bar" }); const fillBar = el("div", { class: color, style: "width:" + Math.min(100, last) + "%" });
              bar.append(fillBar); d.append(bar); d.append(badge(color));
              parts.push(d);
            }
          }
          if (parts.length) box.replaceChildren(...parts);
        }

        function chart(t) {
          const W = 720, H = 100, values = t.points.map(p => p[1]);
          const present = values.filter(v => v !== null);
          const box = el("div", { class: "chart" });
          const last = present.length ? present[present.length - 1] : null;
          box.append(el("div", { class: "title", title: t.series }, t.series + (last !== null ? "  —  " + last.toFixed(2) : "  —  no data")));
          const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
          svg.setAttribute("viewBox", "0 0 " + W + " " + H); svg.setAttribute("preserveAspectRatio", "none");
          if (present.length) {
            let lo = Math.min(...present), hi = Math.max(...present);
            if (hi === lo) { hi += 1; lo -= 1; }
            let d = "", pen = false;
            values.forEach((v, i) => {
              if (v === null) { pen = false; return; }
              const x = i * W / Math.max(1, values.length - 1), y = H - 4 - (v - lo) / (hi - lo) * (H - 8);
              d += (pen ? "L" : "M") + x.toFixed(1) + " " + y.toFixed(1); pen = true;
            });
            const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
            path.setAttribute("d", d); path.setAttribute("fill", "none"); path.setAttribute("stroke", "#3490dc"); path.setAttribute("stroke-width", "1.5");
            path.setAttribute("vector-effect", "non-scaling-stroke");
            svg.append(path);
          }
          box.append(svg);
          return box;
        }

        async function refreshCharts() {
          const boxes = [];
          for (const pattern of chartPatterns) {
            for (const name of (await firstSeries(pattern)).slice(0, 6)) {
              boxes.push(chart(await api("/api/v1/timeline?points=720&series=" + encodeURIComponent(name))));
            }
          }
          document.getElementById("charts").replaceChildren(...(boxes.length ? boxes : [el("span", { class: "muted" }, "no series match")]));
        }

        const pending = new Set();
        let timer = null;
        function schedule(what) {
          pending.add(what);
          if (timer) return;
          timer = setTimeout(async () => { timer = null; const jobs = [...pending]; pending.clear(); await run(jobs); }, 250);
        }
        const JOBS = { health: refreshHealth, slots: refreshSlots, alerts: refreshAlerts, gauges: refreshGauges, charts: refreshCharts };
        async function run(jobs) {
          try {
            for (const j of jobs) await JOBS[j]();
            document.getElementById("error").textContent = "";
            document.getElementById("updated").textContent = "updated " + new Date().toISOString().replace("T", " ").slice(0, 19) + "Z";
            document.body.dataset.loaded = "true";
          } catch (e) {
            document.getElementById("error").textContent = e.message;
          }
        }

        function follow() {
          const url = "/api/v1/stream?kind=health,heartbeat,slot,alert" + (token ? "&access_token=" + encodeURIComponent(token) : "");
          const source = new EventSource(url);
          const live = document.getElementById("live");
          source.onopen = () => { live.textContent = "live"; };
          source.onerror = () => { live.textContent = "reconnecting…"; };
          source.onmessage = (m) => {
            const e = JSON.parse(m.data);
            if (e.measurement === "health" || e.measurement === "heartbeat") schedule("health");
            else if (e.measurement === "slot") schedule("slots");
            else if (e.measurement === "alert") schedule("alerts");
          };
          source.addEventListener("dropped", () => { source.close(); setTimeout(follow, 1000); });
        }

        document.getElementById("pattern").value = chartPatterns.join(" | ");
        document.getElementById("apply").onclick = () => {
          chartPatterns = document.getElementById("pattern").value.split("|").map(x => x.trim()).filter(x => x);
          localStorage.setItem("evq-charts", chartPatterns.join("\n"));
          schedule("charts");
        };
        run(["health", "slots", "alerts", "gauges", "charts"]).then(follow);
        setInterval(() => { schedule("health"); schedule("gauges"); schedule("charts"); }, 5000);
        </script>
        </body>
        </html>

        """#
}
