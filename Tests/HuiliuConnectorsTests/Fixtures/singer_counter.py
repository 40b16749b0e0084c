#!/usr/bin/env python3
"""A minimal Singer tap for tests: emits records 1..N of stream `counter`, a STATE after
every `state_every` records, and resumes after the `last` bookmark of --state."""
import argparse, json, sys

parser = argparse.ArgumentParser()
parser.add_argument("--config", required=True)
parser.add_argument("--state")
parser.add_argument("--catalog")
args = parser.parse_args()
config = json.load(open(args.config))
state = json.load(open(args.state)) if args.state else {}
start = state.get("bookmarks", {}).get("counter", {}).get("last", 0)
print("starting after", start, file=sys.stderr)
if config.get("fail"):
    print("boom: the upstream refused", file=sys.stderr)
    sys.exit(3)
print(json.dumps({"type": "SCHEMA", "stream": "counter", "key_properties": ["n"],
                  "schema": {"type": "object", "properties": {"n": {"type": "integer"}}}}))
every = config.get("state_every", 3)
for n in range(start + 1, config["records"] + 1):
    record = {"n": n, "label": f"第{n}条"}
    if config.get("pad"):
        record["pad"] = "x" * config["pad"]
    print(json.dumps({"type": "RECORD", "stream": "counter", "record": record}))
    if n % every == 0:
        print(json.dumps({"type": "STATE", "value": {"bookmarks": {"counter": {"last": n}}}}))
print(json.dumps({"type": "STATE", "value": {"bookmarks": {"counter": {"last": config["records"]}}}}))
if config.get("hang"):
    sys.stdout.flush()
    import time
    time.sleep(config["hang"])
