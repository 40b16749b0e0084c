import Hummingbird
import NIOCore

/// The daemon's status page at `/`: one static HTML file that asks for an admin token once
/// (kept for the browser tab only) and shows what the API says — pipelines with their next and
/// current runs, recent runs with their errors, pending dead letters — refreshed every 5 s.
///
/// The page itself holds no data, so it is served without a token; every figure on it comes
/// from the token-protected API, with the token in the Authorization header (never in a URL).
enum StatusPage {
    static func response() -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                                        .init("Content-Security-Policy")!: "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'"],
                 body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static let html = #"""
    <!doctype html>
    <html lang="zh-CN">
    <head>
    <meta charset="utf-8">
    <title>汇流 Huiliu — status</title>
    <style>
      body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em; color: #222; }
      h1 { font-size: 1.3em; } h2 { font-size: 1.05em; margin-top: 1.6em; }
      table { border-collapse: collapse; width: 100%; }
      th, td { text-align: left; padding: .25em .6em; border-bottom: 1px solid #ddd; vertical-align: top; }
      th { background: #f4f4f4; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
      .succeeded { color: #1a7f37; } .failed, .interrupted { color: #c62828; } .running { color: #1565c0; } .cancelled { color: #8a6d00; }
      #problem { color: #c62828; } small { color: #666; }
    </style>
    </head>
    <body>
    <h1>汇流 Huiliu <small id="summary"></small></h1>
    <p><span id="problem"></span> <button id="login" hidden>Enter token</button></p>
    <h2>Pipelines</h2>
    <table><thead><tr><th>Pipeline</th><th>Schedule</th><th>Next run</th><th>Running</th><th>Last run</th></tr></thead><tbody id="pipelines"></tbody></table>
    <h2>Recent runs</h2>
    <table><thead><tr><th>Run</th><th>Pipeline</th><th>Trigger</th><th>Status</th><th>Started</th><th class="n">Read</th><th class="n">Written</th><th class="n">Failed</th><th>Error</th></tr></thead><tbody id="runs"></tbody></table>
    <h2>Pending dead letters</h2>
    <table><thead><tr><th>Pipeline</th><th>Step</th><th>Origin</th><th>Reason</th><th>Since</th></tr></thead><tbody id="letters"></tbody></table>
    <script>
    "use strict";
    const key = "huiliu-admin-token";
    // Asked for once; after a cancel or a refused token, only the button asks again.
    let mayAsk = true;
    function token() {
      let t = sessionStorage.getItem(key);
      if (!t && mayAsk) {
        mayAsk = false;
        t = prompt("Admin API token (read role is enough):") || "";
        if (t) sessionStorage.setItem(key, t);
      }
      if (!t) throw new Error("no admin token given");
      return t;
    }
    document.getElementById("login").onclick = () => { mayAsk = true; refresh(); };
    async function api(path) {
      const response = await fetch("/api/v1/" + path, { headers: { Authorization: "Bearer " + token() } });
      if (response.status === 401 || response.status === 403) { sessionStorage.removeItem(key); throw new Error("the token was refused"); }
      if (!response.ok) throw new Error(path + ": HTTP " + response.status);
      return response.json();
    }
    function cell(text, cls) { const td = document.createElement("td"); td.textContent = text ?? ""; if (cls) td.className = cls; return td; }
    function fill(id, rows) {
      const body = document.getElementById(id);
      body.replaceChildren(...rows.map(cells => { const tr = document.createElement("tr"); tr.append(...cells); return tr; }));
    }
    const number = n => (n ?? 0).toLocaleString();
    async function refresh() {
      try {
        const [status, pipelines, runs, letters] = await Promise.all([api("status"), api("pipelines"), api("runs?limit=30"), api("dead-letters?limit=30")]);
        document.getElementById("summary").textContent = status.pipelines + " pipelines, " + status.running.length + " running"
          + (status.shutting_down ? ", shutting down" : "") + " — updated " + new Date().toLocaleTimeString();
        fill("pipelines", (pipelines.pipelines || []).map(p => [
          cell(p.name), cell(p.schedule || "—"), cell(p.next_run || "—"),
          cell(p.running ? number(p.running.written) + " written" : "", p.running ? "running" : ""),
          cell(p.last_run ? p.last_run.status + " " + (p.last_run.finished_at || "") : "—", p.last_run ? p.last_run.status : "")]));
        fill("runs", (runs.runs || []).map(r => [
          cell(r.id), cell(r.pipeline), cell(r.trigger), cell(r.status, r.status), cell(r.started_at),
          cell(number(r.records_read), "n"), cell(number(r.records_written), "n"), cell(number(r.records_failed), "n"), cell(r.error)]));
        fill("letters", (letters.dead_letters || []).map(l => [cell(l.pipeline), cell(l.step), cell(l.origin), cell(l.reason), cell(l.created_at)]));
        document.getElementById("problem").textContent = "";
        document.getElementById("login").hidden = true;
      } catch (error) {
        document.getElementById("problem").textContent = String(error.message || error);
        document.getElementById("login").hidden = sessionStorage.getItem(key) !== null;
      }
    }
    refresh();
    setInterval(refresh, 5000);
    </script>
    </body>
    </html>
    """#
}
