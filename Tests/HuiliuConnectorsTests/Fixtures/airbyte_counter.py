#!/usr/bin/env python3
"""A minimal Airbyte source for tests: `read --config --catalog [--state]`, two streams with
per-stream STATE messages (or one legacy state, with `legacy_state`), LOG messages (quoting
`log_secret` when given), and an optional TRACE error."""
import argparse, json, sys

parser = argparse.ArgumentParser()
parser.add_argument("command")
parser.add_argument("--config", required=True)
parser.add_argument("--catalog", required=True)
parser.add_argument("--state")
args = parser.parse_args()
assert args.command == "read"
config = json.load(open(args.config))
catalog = json.load(open(args.catalog))
states = json.load(open(args.state)) if args.state else []
if isinstance(states, dict):  # a legacy state: the data blob the source emitted, as it was
    last = dict(states["last"])
else:
    last = {s["stream"]["stream_descriptor"]["name"]: s["stream"]["stream_state"]["last"] for s in states if s.get("type") == "STREAM"}

def emit(message):
    print(json.dumps(message, ensure_ascii=False))

emit({"type": "LOG", "log": {"level": "INFO", "message": "reading"}})
if config.get("log_secret"):
    emit({"type": "LOG", "log": {"level": "ERROR", "message": "connecting with " + config["log_secret"]}})
for entry in catalog["streams"]:
    name = entry["stream"]["name"]
    for n in range(last.get(name, 0) + 1, config["records"] + 1):
        emit({"type": "RECORD", "record": {"stream": name, "data": {"id": n, "stream": name}, "emitted_at": 0}})
        if n % 2 == 0:
            if config.get("legacy_state"):
                last[name] = n
                emit({"type": "STATE", "state": {"type": "LEGACY", "data": {"last": last}}})
            else:
                emit({"type": "STATE", "state": {"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": {"last": n}}}})
if config.get("trace_error"):
    emit({"type": "TRACE", "trace": {"type": "ERROR", "emitted_at": 0, "error": {"message": "quota exhausted"}}})
