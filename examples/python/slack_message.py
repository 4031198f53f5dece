#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Format findings as a Slack Block Kit message (JSON on stdout; nothing is sent).

    slack_message.py [--kubeconfig FILE] [--context NAME] [NAMESPACE]
    k8sagent analyze -n shop -o json | slack_message.py --from-json -

Post the output with your own tooling, e.g.
    curl -X POST -H 'Content-Type: application/json' --data @msg.json "$SLACK_WEBHOOK_URL"
Secrets in the evidence are redacted again before they leave, as for the model.
"""
import argparse
import json
import sys

import k8sagent

ICON = {"critical": ":red_circle:", "warning": ":large_orange_circle:", "info": ":information_source:"}
MAX_FINDINGS = 20   # Slack allows 50 blocks per message; two per finding plus the header


def mrkdwn(text):
    """Escape the three characters Slack's mrkdwn treats specially."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def message(namespace, findings):
    problems = [f for f in findings if f.is_problem]
    title = ("%d problem%s in namespace %s" % (len(problems), "" if len(problems) == 1 else "s",
                                                namespace)
             if problems else "No problems in namespace %s" % namespace)
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}}]
    for f in findings[:MAX_FINDINGS]:
        lines = ["%s *%s* `%s/%s`%s" % (ICON.get(f.severity, ""), mrkdwn(f.code), f.kind,
                                        mrkdwn(f.name), "  _root cause_" if f.root_cause else ""),
                 mrkdwn(k8sagent.redact(f.summary))]
        lines += ["• " + mrkdwn(k8sagent.redact(e)) for e in f.evidence[:3]]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:3000]}})
        if f.commands:
            blocks.append({"type": "context", "elements": [
                {"type": "mrkdwn", "text": "`%s`" % mrkdwn(f.commands[0])[:2000]}]})
    if len(findings) > MAX_FINDINGS:
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": "…and %d more" % (len(findings) - MAX_FINDINGS)}]})
    return {"text": title, "blocks": blocks}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kubeconfig")
    p.add_argument("--context")
    p.add_argument("--from-json", metavar="FILE", help="read `analyze -o json` output ('-': stdin)")
    p.add_argument("namespace", nargs="?")
    args = p.parse_args()
    try:
        if args.from_json:
            f = sys.stdin if args.from_json == "-" else open(args.from_json)
            with f:
                doc = json.load(f)
            namespace = doc.get("namespace", "")
            findings = [k8sagent.Finding(d) for d in doc.get("findings", [])]
        else:
            with k8sagent.Agent(kubeconfig=args.kubeconfig, context=args.context) as agent:
                namespace = args.namespace or agent.namespace
                findings = agent.analyze(namespace)
    except k8sagent.Error as e:
        print("slack_message.py: %s (%s)" % (e, e.name), file=sys.stderr)
        return 2
    json.dump(message(namespace, findings), sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
