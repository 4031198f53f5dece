#!/bin/sh
# The official `ollama` and `openai` npm clients, pinned by tests/llmsim/npm/package-lock.json, run
# against llmsim (tests/llmsim/npm/clients.mjs). Skips (77) without node/npm or when the packages
# cannot be installed (no registry access). The install is cached outside the build tree,
# keyed by the lock file, so distcheck leaves nothing behind and reruns are fast.
set -eu
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
src=$top_srcdir/tests/llmsim/npm
for tool in node npm; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not installed (apt-get install nodejs npm)"; exit 77; }
done

if [ -d "$src/node_modules/ollama" ] && [ -d "$src/node_modules/openai" ]; then
	work=$src # a developer's checkout with the packages installed
else
	key=$(cksum <"$src/package-lock.json" | cut -d' ' -f1)
	work=${TMPDIR:-/tmp}/k8sagent-npm-$key
	if [ ! -d "$work/node_modules/ollama" ] || [ ! -d "$work/node_modules/openai" ]; then
		rm -rf "$work.tmp"
		mkdir -p "$work.tmp"
		cp "$src/package.json" "$src/package-lock.json" "$work.tmp/"
		if ! (cd "$work.tmp" && timeout 120 npm ci --no-audit --no-fund --loglevel=error >npm.log 2>&1); then
			echo "SKIP: npm ci failed (no access to the npm registry?):"
			tail -5 "$work.tmp/npm.log" 2>/dev/null || true
			rm -rf "$work.tmp"
			exit 77
		fi
		rm -rf "$work"
		mv "$work.tmp" "$work" 2>/dev/null || { rm -rf "$work.tmp"; [ -d "$work/node_modules" ] || exit 77; }
	fi
	cp "$src/clients.mjs" "$src/tools.mjs" "$work/"
fi

. "$top_srcdir/tests/lib/llmsim.sh"
# Tool calls run against llmsim with the Ollama /v1 dialect (whole calls) and llama.cpp's
# (argument fragments); all servers start before the cd (the harness paths are relative).
start_llmsim "$src/tools-script.json"
tools_url=$LLMSIM_URL
start_llmsim "$src/tools-script-llamacpp.json"
tools_frag_url=$LLMSIM_URL
start_llmsim "$src/script.json"
cd "$work"
timeout 60 node clients.mjs "$LLMSIM_URL"
# The clients' requests reached the server as sent: num_ctx from the ollama client.
grep -q '"num_ctx":8192' "$LLMSIM_RECORD" || { echo "FAIL: num_ctx not recorded"; exit 1; }
timeout 60 node tools.mjs "$tools_url" "$tools_frag_url"
