"""Shared by the authoring tools that derive a scenario from crashloop-panic by planting
text in it (make_injection_scenario.py, make_secrets_scenario.py): copy the base scenario,
add Warning events about the crashing pod, rewrite expect.json's `absent` and the README.
"""
import json
import os
import shutil

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC = os.path.join(TOP, "tests", "scenarios", "crashloop-panic")
NS, POD, CONTAINER = "inventory", "inventory-zz2xtxqbl9-z2dd6", "inventory"


def load(path):
    with open(path) as f:
        return json.load(f)


def dump(doc, path):
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)


def copy_base(dst):
    """Replaces dst with a copy of crashloop-panic; returns its namespace folder."""
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(SRC, dst)
    return os.path.join(dst, "cluster", NS)


def add_events(cdir, messages, name_base, uid_prefix, stamp=False):
    """Appends one "Failed" event per message, copied from the namespace's first event.
    Event i is named POD.<name_base + i in hex> with uid <uid_prefix><i as 12 digits>;
    stamp=True also sets its first and last timestamps to 2026-11-24T14:58:<i % 60>Z."""
    path = os.path.join(cdir, "events.json")
    events = load(path)
    proto = events["items"][0]
    for i, msg in enumerate(messages):
        e = json.loads(json.dumps(proto))
        e["metadata"]["name"] = "%s.%016x" % (POD, name_base + i)
        e["metadata"]["uid"] = "%s%012d" % (uid_prefix, i)
        e["reason"] = "Failed"
        e["message"] = msg
        e["count"] = 1
        if stamp:
            e["firstTimestamp"] = e["lastTimestamp"] = "2026-11-24T14:58:%02dZ" % (i % 60)
        events["items"].append(e)
    dump(events, path)


def finish(dst, absent, readme):
    """Sets expect.json's `absent` list and writes README.md."""
    path = os.path.join(dst, "expect.json")
    expect = load(path)
    expect["absent"] = absent
    dump(expect, path)
    with open(os.path.join(dst, "README.md"), "w") as f:
        f.write(readme)
