#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Investigate a namespace with read-only tools, then ask follow-ups on the same session:
tool calls go to stderr as they happen, the answer streams to stdout, then its verification.

    investigate.py [--kubeconfig FILE] [--llm-url URL] [--model NAME] [--max-steps N]
                   NAMESPACE QUESTION [FOLLOW-UP...]

Exit status: 0 answered, 2 error, 3 no model answered, 4 the step or time limit ran out.
"""
import argparse
import json
import sys

import k8sagent


def show(inv):
    """Print one question's events; return its result."""
    for ev in inv:
        if ev["type"] == "step":
            print("[step %d] %s %s -> %s" % (ev["index"], ev["tool"], json.dumps(ev["arguments"]),
                                             ev["error"] or "%d chars" % ev["result_chars"]),
                  file=sys.stderr)
        elif ev["type"] == "token":
            print(ev["text"], end="", flush=True)
        elif ev["type"] == "verification":
            print("\nverification:", json.dumps({k: v for k, v in ev.items() if k != "type"}))
    return inv.result


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kubeconfig")
    p.add_argument("--llm-url")
    p.add_argument("--model", default="mistral")
    p.add_argument("--max-steps", type=int, default=8)
    p.add_argument("namespace")
    p.add_argument("question")
    p.add_argument("followups", nargs="*")
    args = p.parse_args()
    try:
        with k8sagent.Agent(kubeconfig=args.kubeconfig, llm_url=args.llm_url, model=args.model) as agent:
            inv = agent.investigate(args.namespace, args.question, max_steps=args.max_steps)
            result = show(inv)
            for q in args.followups:  # the same snapshot, tool results and transcript
                result = show(inv.session.ask(q))
            inv.session.close()
    except (k8sagent.TransportError, k8sagent.ModelNotFound, k8sagent.LlmError) as e:
        print("investigate.py: no answer: %s" % e, file=sys.stderr)
        return 3
    except k8sagent.Error as e:
        print("investigate.py: %s" % e, file=sys.stderr)
        return 2
    return 0 if result["stopped"] == "answer" else 4


if __name__ == "__main__":
    sys.exit(main())
