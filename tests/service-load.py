#!/usr/bin/python3
"""k8sagentd under a bounded mixed load (bench/load, small): 300 clients at once mixing
streaming /ask, streaming /diagnose and /healthz against llmsim with delays; no 5xx but the
documented 503, 429s with Retry-After, every stream ends with done or error, RSS bounded."""
import os
import subprocess
import sys

top_src = os.environ.get("top_srcdir", ".")
r = subprocess.run([sys.executable, os.path.join(top_src, "bench", "load"), "--clients", "300",
                    "--max-llm", "16", "--queue", "32", "--max-rss-mb", "128"], timeout=300)
sys.exit(r.returncode)
