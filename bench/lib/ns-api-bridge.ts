// A node's local API, carried over stdin/stdout for a bench process outside the node's network
// namespace (the API listens on 127.0.0.1 inside it, and answers only to a loopback Host).
// Started as `ip netns exec NS bun bench/lib/ns-api-bridge.ts API_URL TOKEN`; reads one JSON
// request a line, {"method","path","body"?}, and writes one JSON line per request, in order:
// {"status", "json"}. Ends when stdin closes.
export {};

const [base, token] = process.argv.slice(2);
if (!base || !token) {
  console.error("usage: ns-api-bridge.ts API_URL TOKEN");
  process.exit(2);
}

async function call(line: string): Promise<string> {
  try {
    const { method, path, body } = JSON.parse(line) as { method: string; path: string; body?: unknown };
    const res = await fetch(`${base}/api${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return JSON.stringify({ status: res.status, json: await res.json().catch(() => ({})) });
  } catch (e) {
    return JSON.stringify({ status: 0, json: { error: String((e as Error).message ?? e) } });
  }
}

// one request at a time, so answers come back in the order of the requests
const dec = new TextDecoder();
let buf = "";
const reader = Bun.stdin.stream().getReader();
for (let c = await reader.read(); !c.done; c = await reader.read()) {
  buf += dec.decode(c.value, { stream: true });
  for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
    const line = buf.slice(0, i).trim();
    buf = buf.slice(i + 1);
    if (line) process.stdout.write((await call(line)) + "\n");
  }
}
