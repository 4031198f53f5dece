#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Diagnose a namespace: print the deterministic findings, then stream the local model's
explanation as it arrives.

    diagnose.py [--kubeconfig FILE] [--context NAME] [--llm-url URL] [--model NAME]
                [--no-model] [NAMESPACE] [QUESTION]

Exit status: 0 nothing wrong, 1 problems found, 2 error, 3 no model answered (as the CLI).
"""
import argparse
import sys

import k8sagent


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kubeconfig")
    p.add_argument("--context")
    p.add_argument("--llm-url")
    p.add_argument("--backend", default="ollama", choices=["ollama", "openai"])
    p.add_argument("--model", default="mistral")
    p.add_argument("--no-model", action="store_true", help="findings only, call no model")
    p.add_argument("namespace", nargs="?")
    p.add_argument("question", nargs="?")
    args = p.parse_args()

    try:
        with k8sagent.Agent(kubeconfig=args.kubeconfig, context=args.context,
                            llm_url=args.llm_url, backend=args.backend,
                            model=args.model) as agent:
            if args.no_model:
                result = agent.diagnose(args.namespace, args.question, call_model=False)
                findings = result.findings
            else:
                stream = agent.diagnose_stream(args.namespace, args.question)
                findings = stream.findings
            for f in findings:
                print("%-8s %-24s %s/%s%s" % (f.severity, f.code, f.kind, f.name,
                                               "  (root cause)" if f.root_cause else ""))
                print("         " + f.summary)
            if not findings:
                print("no problems found")
            if not args.no_model:
                print()
                try:
                    with stream:
                        for chunk in stream:
                            sys.stdout.write(chunk)
                            sys.stdout.flush()
                        result = stream.result
                    print()
                except k8sagent.NoModelAnswer as e:
                    result = e.result
                    print("(no model answer: %s)" % e.cause)
                    return 3
            return 1 if result.problem_count else 0
    except k8sagent.Error as e:
        print("diagnose.py: %s (%s)" % (e, e.name), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
