"""The chat UI in a real browser: kubesim (demo-shop) + llmsim + k8sagentd, driven by Debian's
headless chromium through playwright-core (tests/daemon/ui/ui.js). Skips (77) without chromium, node
or npm, or when playwright-core cannot be installed (npm ci needs the registry once)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ.get("top_srcdir", ".")
TOP = os.environ.get("top_builddir", ".")
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from kubesim import Kubesim  # noqa: E402
from k8sagentd import K8sagentd  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ANSWER = ("The **cart** pod is OOMKilled: its container uses more than its 64Mi memory limit, "
          "so the kernel kills it and it restarts.\n\nRaise the limit:\n\n"
          "```bash\nkubectl -n shop set resources deployment cart --limits=memory=256Mi\n"
          "kubectl -n shop rollout status deployment cart\n```\n\n"
          "The `payment` pod is a separate problem: its image tag does not exist.\n")
# The investigation: the model reads cart's previous log, then its events, then answers with a
# command that changes the cluster and a pod name it made up (both flagged); a follow-up.
CART = "cart-tjfjrxcqw9-7j69q"
INV_ANSWER = ("The **cart** container runs out of memory: its previous log stops at `loading 250000 "
              "carts into memory` and the events show `Back-off restarting failed container`. Its "
              "limit is 64Mi.\n\nRaise it (this changes the cluster):\n\n```bash\n"
              "kubectl -n shop set resources deployment cart --limits=memory=256Mi\n```\n\n"
              "The older pod cart-7d9f8b6c5-x2x7q failed the same way.\n")
FOLLOW_UP = ("Yes, if the node has room: `kubectl describe node kind-worker` shows its allocatable "
             "memory. Watch the rollout with `kubectl -n shop rollout status deployment cart`.\n")
RULES = [
    {"match": "safe", "tools": True, "reply": FOLLOW_UP, "chunk_delay_ms": 30},
    {"match_last": "events in namespace shop", "tools": True, "reply": INV_ANSWER, "chunk_delay_ms": 40},
    {"match_last": "previous log of pod shop/", "tools": True, "delay_ms": 400,
     "reply": "The log stops while loading carts; the events may say why.",
     "tool_calls": [{"name": "get_events", "arguments": {"namespace": "shop", "kind": "Pod", "name": CART}}]},
    {"match": "restarting", "tools": True, "delay_ms": 400,
     "tool_calls": [{"name": "get_logs", "arguments": {"namespace": "shop", "pod": CART, "previous": True}}]},
    {"reply": ANSWER, "chunk_delay_ms": 40},
]


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(77)


def node_modules(tmp):
    """A directory holding node_modules/playwright-core: the source tree's, or one installed
    with `npm ci` into the build tree (the source tree may be read-only, as in distcheck)."""
    d = os.path.join(SRC, "tests", "daemon", "ui")
    if os.path.isdir(os.path.join(d, "node_modules", "playwright-core")):
        return d
    npm = shutil.which("npm")
    if not npm:
        skip("npm not installed (Debian package npm): cannot install playwright-core")
    d = os.path.join(tmp, "ui-node")
    os.makedirs(d, exist_ok=True)
    for f in ("package.json", "package-lock.json"):
        shutil.copy(os.path.join(SRC, "tests", "daemon", "ui", f), d)
    r = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=d, capture_output=True, text=True)
    if r.returncode != 0:
        skip("npm ci failed (no access to the npm registry?): " + r.stderr[-500:])
    return d


def main():
    if not os.access(CHROMIUM, os.X_OK):
        skip("chromium not installed (Debian package chromium; scripts/install-deps installs it)")
    node = shutil.which("node")
    if not node:
        skip("node not installed (Debian package nodejs)")
    llmsim = os.path.join(TOP, "tests", "llmsim", "llmsim")
    if not os.access(llmsim, os.X_OK):
        skip("llmsim not built")
    # Screenshots go to a temp dir removed afterwards, or to K8SA_UI_SCREENSHOT_DIR
    # (K8SA_UI_SCREENSHOT_DIR=$PWD/docs refreshes the committed docs/ui.png, docs/ui-phone.png,
    # docs/ui-investigate.png).
    tmp = tempfile.mkdtemp(prefix="svc-ui.")
    out = os.environ.get("K8SA_UI_SCREENSHOT_DIR") or tmp
    os.makedirs(out, exist_ok=True)
    try:
        mods = node_modules(tmp)
        script = os.path.join(tmp, "script.json")
        with open(script, "w") as f:
            json.dump({"rules": RULES}, f)
        llm = subprocess.Popen([llmsim, "--listen", "127.0.0.1:0", "--script", script],
                               stdout=subprocess.PIPE)
        try:
            url = llm.stdout.readline().decode().split()[-1]
            with Kubesim("demo-shop") as ks, \
                    K8sagentd("--kubeconfig", ks.kubeconfig, "--llm-url", url,
                              # the UI under the CSRF and DNS-rebinding checks: its requests are
                              # same-origin JSON with an allowed Host
                              "--allowed-hosts", "127.0.0.1,localhost") as kd:
                env = dict(os.environ, NODE_PATH=os.path.join(mods, "node_modules"))
                r = subprocess.run([node, os.path.join(SRC, "tests", "daemon", "ui", "ui.js"), kd.url, out,
                                    os.path.join(tmp, "profile")], env=env, timeout=120)
                if r.returncode != 0:
                    print(kd.stderr()[-3000:])
                return r.returncode
        finally:
            llm.terminate()
            llm.wait(10)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
