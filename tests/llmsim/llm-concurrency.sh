#!/bin/sh
# llmsim holds 1,000 concurrent streaming clients (the service benchmark needs that): every
# stream overlaps the others (10 chunks, 50 ms apart) and must arrive whole, on both APIs.
set -eu
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
PY=${SYSTEM_PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || { echo "SKIP: no python3"; exit 77; }
. "$top_srcdir/tests/lib/llmsim.sh"
script=$(mktemp "${TMPDIR:-/tmp}/llmsim-conc.XXXXXX.json")
printf '%s\n' '{"rules":[{"reply":"c0 c1 c2 c3 c4 c5 c6 c7 c8 c9","chunk_delay_ms":50}]}' >"$script"
start_llmsim "$script"
rm -f "$script"
N=${LLMSIM_CONC:-1000} "$PY" - "$LLMSIM_URL" <<'PYEOF'
import asyncio, json, os, resource, sys, time
url = sys.argv[1]
host, port = url.split("//")[1].split(":")
n = int(os.environ["N"])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < n + 100:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 200), hard))

async def one(i, openai):
    path = "/v1/chat/completions" if openai else "/api/chat"
    body = {"model": "mistral", "stream": True, "messages": [{"role": "user", "content": f"q{i}"}]}
    data = json.dumps(body).encode()
    for attempt in range(20):  # the listen backlog may overflow for a moment
        try:
            r, w = await asyncio.open_connection(host, int(port))
            break
        except OSError:
            await asyncio.sleep(0.05)
    w.write(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data)
    await w.drain()
    raw = await r.read()
    w.close()
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head[:80]
    # undo chunked encoding
    out = b""
    while rest:
        size, _, rest = rest.partition(b"\r\n")
        size = int(size, 16)
        if size == 0:
            break
        out += rest[:size]
        rest = rest[size + 2:]
    text = ""
    if openai:
        events = [e[6:] for e in out.decode().split("\n\n") if e.startswith("data: ")]
        assert events[-1] == "[DONE]", events[-1]
        for e in events[:-1]:
            for c in json.loads(e)["choices"]:
                text += c["delta"].get("content") or ""
    else:
        lines = [json.loads(l) for l in out.decode().splitlines() if l]
        assert lines[-1]["done"] is True
        text = "".join(l["message"]["content"] for l in lines)
    assert text == "c0 c1 c2 c3 c4 c5 c6 c7 c8 c9", text
    return True

async def main():
    t0 = time.monotonic()
    res = await asyncio.gather(*(one(i, i % 2 == 1) for i in range(n)))
    dt = time.monotonic() - t0
    assert all(res)
    # One stream alone takes 0.45 s; serialised, n would take n * 0.45 s.
    print(f"ok: {n} concurrent streams complete in {dt:.2f} s")
    assert dt < 30, dt

asyncio.run(main())
PYEOF
