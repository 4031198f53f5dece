#!/usr/bin/python3
"""k8sagentd under a bounded mixed load (bench/load, small): 300 clients at once mixing
streaming /ask, streaming /diagnose and /healthz against llmsim with delays; no 5xx but the
documented 503, 429s with Retry-After, every stream ends with done or error, RSS bounded."""
import os
import subprocess
import sys

top_src = os.environ.get("top_srcdir", ".")
# ASan's shadow memory and quarantine make RSS meaningless in a sanitizer build.
rss_mb = "1024" if os.environ.get("K8SA_SANITIZERS") == "1" else "128"
r = subprocess.run([sys.executable, os.path.join(top_src, "bench", "load"), "--clients", "300",
                    "--max-llm", "16", "--queue", "32", "--max-rss-mb", rss_mb], timeout=300)
sys.exit(r.returncode)
