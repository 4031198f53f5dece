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
    # (K8SA_UI_SCREENSHOT_DIR=$PWD/docs refreshes the committed docs/ui.png, docs/ui-phone.png).
    tmp = tempfile.mkdtemp(prefix="svc-ui.")
    out = os.environ.get("K8SA_UI_SCREENSHOT_DIR") or tmp
    os.makedirs(out, exist_ok=True)
    try:
        mods = node_modules(tmp)
        script = os.path.join(tmp, "script.json")
        with open(script, "w") as f:
            json.dump({"rules": [{"reply": ANSWER, "chunk_delay_ms": 40}]}, f)
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
