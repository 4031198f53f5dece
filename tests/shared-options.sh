#!/bin/sh
# k8sagent and k8sagentd take the cluster and model options from one table
# (service/common/options.c): their --help lines agree, and a bad value gets the library's
# message, named by the flag, from both.
set -eu
cli="$top_builddir/service/k8sagent"
daemon="$top_builddir/service/k8sagentd"
[ -x "$daemon" ] || { echo "SKIP: k8sagentd not built (--disable-daemon)"; exit 77; }
shared() { sed -n '/^  --kubeconfig /,/^  --prompt-dir /{p;/^  --prompt-dir /{n;/^  *(env/p}}'; }
a=$("$cli" --help | shared)
b=$("$daemon" --help | shared)
[ -n "$a" ] || { echo "no shared options in k8sagent --help"; exit 1; }
if [ "$a" != "$b" ]; then
	echo "the shared options differ:"; printf '%s\n' "$a" > cli.txt; printf '%s\n' "$b" > d.txt
	diff cli.txt d.txt || true; rm -f cli.txt d.txt; exit 1
fi
for flag in --kubeconfig --context --llm-url --backend --model --context-tokens --timeout --prompt-dir; do
	printf '%s\n' "$a" | grep -q -- "^  $flag " || { echo "missing from --help: $flag"; exit 1; }
done
# The same bad value, the same message (the library's, after the flag's name).
for args in "--context-tokens 100" "--backend bard" "--timeout 0" "--llm-url ftp://x" "--model="; do
	# shellcheck disable=SC2086
	m1=$(K8SA_LLM_URL= OLLAMA_HOST= "$cli" $args ask question 2>&1 >/dev/null || true)
	# shellcheck disable=SC2086
	m2=$(K8SA_LLM_URL= OLLAMA_HOST= timeout 10 "$daemon" $args --listen 127.0.0.1:0 2>&1 >/dev/null || true)
	flag=${args%% *}; flag=${flag%%=*}
	case "$m1" in "k8sagent: $flag: "*) ;; *) echo "k8sagent $args: $m1"; exit 1 ;; esac
	case "$m2" in "k8sagentd: $flag: "*) ;; *) echo "k8sagentd $args: $m2"; exit 1 ;; esac
	[ "${m1#k8sagent: }" = "${m2#k8sagentd: }" ] || { echo "messages differ: '$m1' / '$m2'"; exit 1; }
done
echo "ok: k8sagent and k8sagentd share $(printf '%s\n' "$a" | grep -c '^  --') options and their messages"
