#!/usr/bin/env python3
"""Loopback HTTP(S) server for HuiliuTransport's tests (stdlib only).

Prints one JSON line with its ports, e.g. {"http": 40001, "https": 40002, "mtls": 40003,
"blackhole": 40004}, then serves until its standard input closes, so it never outlives the
test process that started it.

    testserver.py [--cert server.pem --key server.key --ca ca.pem] [--cleanup DIR]...

Directories given with --cleanup (the throwaway certificates) are removed on exit.
"""
import argparse, base64, gzip, hashlib, hmac, json, os, shutil, socket, ssl, struct, sys, threading, time, zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

# '{"encoding":"br","ok":true}' compressed by the brotli CLI (the stdlib has no brotli).
BROTLI_BODY = base64.b64decode("Dw2AeyJlbmNvZGluZyI6ImJyIiwib2siOnRydWV9Aw==")
SIGN_SECRET = b"test-secret"
BASIC_USER, BASIC_PASSWORD = "alice", "s3cret"
CHUNK = bytes(range(256)) * 1024  # 256 KiB

tokens_lock = threading.Lock()
tokens_issued = {}  # client id -> count
tokens_refused = {}

gates_lock = threading.Lock()
gates = {}  # gate name -> threading.Event, set when the test opens it


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive

    def log_message(self, *args):
        pass

    # -- plumbing --------------------------------------------------------------------------
    def parse(self):
        self.proxied = self.path.startswith("http://") or self.path.startswith("https://")
        parts = urlsplit(self.path)
        self.route = parts.path
        self.raw_query = parts.query
        self.query = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length else b""

    def send(self, status, body=b"", content_type="application/json", headers=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def do_CONNECT(self):
        # As a proxy whose login was refused: every tunnel is answered 407.
        self.send(407, b"proxy login required\n", "text/plain", [("Proxy-Authenticate", 'Basic realm="test"')])

    def dispatch(self):
        self.parse()
        name = "route_" + self.route.strip("/").replace("/", "_").replace("-", "_")
        handler = getattr(self, name, None)
        if handler is None:
            # With `echo`, the credentials sent are quoted back, as some servers' errors do.
            said = {"auth": self.headers.get("Authorization", "")} if "echo" in self.query else {}
            self.send(404, dict({"error": "no route " + self.route}, **said))
        else:
            handler()

    # -- content -----------------------------------------------------------------------------
    def route_json(self):
        page, size = int(self.query.get("page", 1)), int(self.query.get("size", 3))
        items = [{"id": (page - 1) * size + i, "name": "记录 %d" % i} for i in range(size)]
        self.send(200, {"page": page, "items": items})

    def route_gzip(self):
        self.send(200, gzip.compress(b'{"encoding":"gzip","ok":true}'), headers=[("Content-Encoding", "gzip")])

    def route_deflate(self):
        self.send(200, zlib.compress(b'{"encoding":"deflate","ok":true}'), headers=[("Content-Encoding", "deflate")])

    def route_br(self):
        self.send(200, BROTLI_BODY, headers=[("Content-Encoding", "br")])

    def route_bad_encoding(self):
        self.send(200, b"this is not gzip at all", headers=[("Content-Encoding", "gzip")])

    def route_stream(self):
        # With `id`, how the transfer ended is kept for /stream-outcome.
        total = int(self.query.get("bytes", 1 << 20))
        outcome = self.gate("stream " + self.query["id"]) if "id" in self.query else None
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(total))
        self.end_headers()
        sent = 0
        try:
            while sent < total:
                piece = CHUNK[: min(len(CHUNK), total - sent)]
                self.wfile.write(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            if outcome is not None:
                outcome.result = {"sent": sent, "total": total}
                outcome.set()

    def route_stream_outcome(self):
        # Waits (up to a minute) for the /stream with this id to end; `sent` < `total` means
        # the client went away before the body was complete.
        outcome = self.gate("stream " + self.query["id"])
        self.send(200, outcome.result if outcome.wait(60) else {"unfinished": True})

    def route_multi(self):
        self.send(200, b"{}", headers=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-Trace", "x")])

    # -- time and failure --------------------------------------------------------------------
    def route_slow(self):
        time.sleep(float(self.query.get("delay", 2)))
        self.send(200, {"slow": True})

    def route_slow_body(self):
        chunks, interval = int(self.query.get("chunks", 5)), float(self.query.get("interval", 0.5))
        self.send_response(200)
        self.send_header("Content-Length", str(chunks))
        self.end_headers()
        for _ in range(chunks):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(interval)

    def gate(self, name):
        with gates_lock:
            return gates.setdefault(name, threading.Event())

    def route_gated_body(self):
        # Sends the head and one byte, then holds the last byte until /open-gate names the
        # same gate (or a minute passes, so a client that waits for the whole body still ends).
        gate = self.gate(self.query["gate"])
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"x")
        self.wfile.flush()
        gate.opened_in_time = gate.wait(60)
        self.wfile.write(b"x")
        self.wfile.flush()

    def route_open_gate(self):
        # Says whether the body was still held back when the gate was opened.
        gate = self.gate(self.query["gate"])
        held = not gate.is_set() and not hasattr(gate, "opened_in_time")
        gate.set()
        self.send(200, {"held": held})

    def route_reset(self):
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def route_truncated(self):
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"only a little")
        self.close_connection = True

    def route_status(self):
        code = int(self.query.get("code", 500))
        headers = [("Retry-After", self.query["retry_after"])] if "retry_after" in self.query else []
        self.send(code, {"error": "status %d" % code}, headers=headers)

    def route_status_echo(self):
        # An error that quotes the query it was sent, as some gateways' errors do.
        code = int(self.query.get("code", 400))
        self.send(code, {"error": "status %d" % code, "query": self.raw_query})

    def route_quote_auth(self):
        # An error answered with HTTP 200 that quotes the credentials it was sent.
        self.send(200, {"code": 401, "msg": "header %s is not allowed" % self.headers.get("Authorization", "")})

    def route_procuratorate_api_v1_cases(self):
        # The procuratorate API in an outage: an error with HTTP 200.
        self.send(200, {"code": 500, "msg": "内部错误"})

    def route_gov_oauth2_token(self):
        self.send(200, {"access_token": "gov-token", "token_type": "bearer", "expires_in": 3600})

    def route_gov_api_v1_suggestions(self):
        # The government platform in an outage: an error with HTTP 200 where a list belongs.
        self.send(200, {"code": 500, "msg": "内部错误"})

    def route_redirect(self):
        self.send(int(self.query.get("code", 302)), b"", headers=[("Location", self.query.get("to", "/json"))])

    def route_redirect_loop(self):
        self.send(302, b"", headers=[("Location", "/redirect-loop")])

    # -- introspection -----------------------------------------------------------------------
    def route_echo(self):
        self.send(200, {
            "method": self.command,
            "path": self.route,
            "query": self.raw_query,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body": self.body.decode("utf-8", "replace"),
            "proxied": self.proxied,
            "client_port": self.client_address[1],
        })

    def route_conn(self):
        self.send(200, {"client_port": self.client_address[1]})

    def route_basic(self):
        expected = "Basic " + base64.b64encode(("%s:%s" % (BASIC_USER, BASIC_PASSWORD)).encode()).decode()
        if self.headers.get("Authorization") == expected:
            self.send(200, {"user": BASIC_USER})
        else:
            self.send(401, {"error": "unauthorized"}, headers=[("WWW-Authenticate", 'Basic realm="test"')])

    # -- signing (an independent implementation of domain.md §7.2 patterns) ------------------
    def route_verify_query_hmac_sm3(self):
        params = [(k, v) for k, v in parse_qsl(self.raw_query, keep_blank_values=True) if k != "sign"]
        canonical = "&".join("%s=%s" % kv for kv in sorted(params))
        expected = hmac.new(SIGN_SECRET, canonical.encode(), "sm3").hexdigest()
        self.verdict(expected, self.query.get("sign"), canonical)

    def route_verify_header_sha256(self):
        sorted_query = "&".join("%s=%s" % kv for kv in sorted(parse_qsl(self.raw_query, keep_blank_values=True)))
        h = self.headers
        canonical = "\n".join([self.command, self.route, sorted_query, hashlib.sha256(self.body).hexdigest(),
                               h.get("X-Ca-Key", ""), h.get("X-Ca-Timestamp", ""), h.get("X-Ca-Nonce", "")])
        expected = base64.b64encode(hmac.new(SIGN_SECRET, canonical.encode(), "sha256").digest()).decode()
        self.verdict(expected, h.get("X-Ca-Signature"), canonical)

    def verdict(self, expected, given, canonical):
        if given == expected:
            self.send(200, {"ok": True})
        else:
            self.send(401, {"ok": False, "expected": expected, "given": given, "canonical": canonical})

    # -- OAuth2 client credentials ------------------------------------------------------------
    def route_oauth_token(self):
        auth = self.headers.get("Authorization", "")
        form = dict(parse_qsl(self.body.decode()))
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if secret != "client-secret" or form.get("grant_type") != "client_credentials":
            self.send(401, {"error": "invalid_client", "error_description": "bad credentials"})
            return
        with tokens_lock:
            # `busy=N`: the client's first N token requests are answered 503, as a loaded endpoint does.
            refused = tokens_refused.get(client_id, 0)
            if refused < int(self.query.get("busy", 0)):
                tokens_refused[client_id] = refused + 1
                self.send(503, {"error": "temporarily_unavailable"})
                return
            tokens_issued[client_id] = tokens_issued.get(client_id, 0) + 1
            count = tokens_issued[client_id]
        time.sleep(float(self.query.get("delay", 0)))
        self.send(200, {"access_token": "%s-token-%d" % (client_id, count), "token_type": "bearer",
                        "expires_in": int(self.query.get("expires_in", 3600)), "scope": form.get("scope", "")})

    def route_oauth_count(self):
        with tokens_lock:
            self.send(200, {"count": tokens_issued.get(self.query.get("client", ""), 0)})

    # -- DNS over HTTPS: every name is NXDOMAIN -----------------------------------------------
    def route_dns_query(self):
        query = self.body or base64.urlsafe_b64decode(self.query.get("dns", "") + "==")
        if len(query) < 12:
            self.send(400, b"short query", "text/plain")
            return
        # Same id and question; QR=1, RD=1, RA=1, RCODE=3 (NXDOMAIN); no answers.
        header = query[:2] + struct.pack(">HHHHH", 0x8183, struct.unpack(">H", query[4:6])[0], 0, 0, 0)
        self.send(200, header + query[12:], "application/dns-message")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default of 5 drops SYNs when tests connect in parallel


def serve(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def tls_server(context):
    server = Server(("127.0.0.1", 0), Handler)
    # Handshake lazily in the handler thread so one slow client cannot block accept().
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    return server


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--ca")
    parser.add_argument("--cleanup", action="append", default=[])
    args = parser.parse_args()

    ports = {}
    plain = Server(("127.0.0.1", 0), Handler)
    ports["http"] = serve(plain)
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        ports["https"] = serve(tls_server(context))
        mutual = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        mutual.load_cert_chain(args.cert, args.key)
        mutual.load_verify_locations(args.ca)
        mutual.verify_mode = ssl.CERT_REQUIRED
        ports["mtls"] = serve(tls_server(mutual))

    # A listener that never accepts, its backlog filled, so new connections hang in SYN.
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(0)
    ports["blackhole"] = blackhole.getsockname()[1]
    fillers = []
    for _ in range(8):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", ports["blackhole"]))
        except (BlockingIOError, OSError):
            pass
        fillers.append(s)

    print(json.dumps(ports), flush=True)
    sys.stdin.buffer.read()  # until the test process goes away
    for directory in args.cleanup:
        shutil.rmtree(directory, ignore_errors=True)
    os._exit(0)


if __name__ == "__main__":
    main()
