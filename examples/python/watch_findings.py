#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Poll a namespace and print findings as they appear and go away (no model involved).

    watch_findings.py [--kubeconfig FILE] [--context NAME] [--interval SECONDS]
                      [--once | --iterations N] [--json] [NAMESPACE]

A finding is identified by (code, kind, namespace, name, container): pods of one owner
that restart under new names stay one finding, as the analyzers group them.
"""
import argparse
import json
import sys
import time

import k8sagent


def key(f):
    return (f.code, f.kind, f.namespace, f.name, f.container)


def show(prefix, f, as_json):
    if as_json:
        print(json.dumps(dict(f.to_dict(), event=prefix)), flush=True)
    else:
        print("%s %-8s %-24s %s/%s: %s" % (prefix, f.severity, f.code, f.kind, f.name,
                                           f.summary), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kubeconfig")
    p.add_argument("--context")
    p.add_argument("--interval", type=float, default=30.0)
    p.add_argument("--once", action="store_true", help="one poll, then exit")
    p.add_argument("--iterations", type=int, default=0, help="stop after N polls (0: forever)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("namespace", nargs="?")
    args = p.parse_args()
    iterations = 1 if args.once else args.iterations

    known = {}
    n = 0
    try:
        with k8sagent.Agent(kubeconfig=args.kubeconfig, context=args.context) as agent:
            while True:
                try:
                    current = {key(f): f for f in agent.analyze(args.namespace)}
                except (k8sagent.TransportError, k8sagent.TimeoutError,
                        k8sagent.ServerError) as e:
                    print("watch_findings.py: poll failed, will retry: %s" % e, file=sys.stderr)
                    current = known
                for k, f in current.items():
                    if k not in known:
                        show("+", f, args.json)
                for k, f in known.items():
                    if k not in current:
                        show("-", f, args.json)
                known = current
                n += 1
                if iterations and n >= iterations:
                    return 0
                time.sleep(args.interval)
    except k8sagent.Error as e:
        print("watch_findings.py: %s (%s)" % (e, e.name), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
