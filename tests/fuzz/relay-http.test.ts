// Seeded fuzzing of the relay's HTTP edge through app.handle (no network): mutated JSON bodies
// of every POST/DELETE route (v1 and v2 envelopes, presence, signals), mutated query strings of
// every GET, odd paths, bodies that are not JSON, huge or deeply nested. The relay must answer
// each with a JSON verdict (2xx, 400, 404, 413, 429), never a 500 or a thrown error, and what
// it stored must read back as JSON envelopes.
import { afterAll, describe, expect, setDefaultTimeout, spyOn, test } from "bun:test";
import { envelope, HINT, HINT2, makeRelay, NODE_A, NODE_B } from "../relay/helpers.ts";
import { loadVectors } from "../protocol/vectors.ts";
import { fuzz, mutant, mutantText, mutateString, type Json, type Prng } from "./seeded.ts";

setDefaultTimeout(180_000);
const relay = makeRelay({ rate: false });
const errors = spyOn(console, "error").mockImplementation(() => {});
afterAll(() => errors.mockRestore());

const v2env = loadVectors("v2-envelope").valid[0].expect.envelope;
const v1env = loadVectors("v1-envelope").open_valid[0].envelope;
const BODIES: [string, string, Json][] = [
  ["POST", "/v1/messages", { circle_hint: HINT, messages: [envelope(), v1env, v2env] }],
  ["POST", "/v1/messages", { circle_hint: HINT2, messages: [envelope()] }],
  [
    "POST",
    "/v1/register",
    {
      node_id: NODE_A,
      circle_hint: HINT,
      endpoints: [{ transport: "tcp", host: "192.0.2.1", port: 9999, family: "ipv4", nat: "unknown" }],
      capabilities: { relay: false, transport: ["tcp"] },
      ttl_s: 120,
    },
  ],
  ["DELETE", "/v1/register", { node_id: NODE_A, circle_hint: HINT }],
  [
    "POST",
    "/v1/signal",
    {
      session_id: "session-0001",
      from_node_id: NODE_A,
      to_node_id: NODE_B,
      circle_hint: HINT,
      type: "offer",
      payload: "v=0 o=- 1 1 IN IP4 127.0.0.1",
    },
  ],
];
const QUERIES: [string, Record<string, string>][] = [
  ["/v1/messages", { circle_hint: HINT, since: "0", limit: "50" }],
  ["/v1/messages", { circle_hint: HINT, cursor: "3", limit: "2" }],
  ["/v1/peers", { circle_hint: HINT, limit: "10" }],
  ["/v1/signal", { to_node_id: NODE_B, since_id: "0", session_id: "session-0001" }],
  ["/v1/health", {}],
  ["/v1/relay/ws", { circle_hint: HINT, node_id: NODE_A }],
];
const PREFIXES = ["", "/api", "/x/y", "/v1/v1", "//", "/%2e%2e", "/api/v1/../"];
const OK_STATUS = new Set([200, 204, 400, 404, 405, 413, 426, 429]);

/** encodeURIComponent that takes lone surrogates too (a fuzzed value may hold one). */
const uri = (s: string) => encodeURIComponent(s.toWellFormed());

interface Req {
  method: string;
  path: string;
  body?: string;
}

function genBody(r: Prng): Req {
  const [method, path, base] = r.pick(BODIES);
  const p = r.chance(0.1) ? r.pick(PREFIXES) + path.slice(3) : path;
  const k = r.int(20);
  if (k === 0) {
    const n = 1 + r.int(200_000);
    return { method, path: p, body: "[".repeat(n) + "]".repeat(n) };
  } // deep nesting
  if (k === 1) {
    const n = 1 + r.int(5_000);
    return { method, path: p, body: `{"circle_hint":"${HINT}","messages":${"[".repeat(n)}${"]".repeat(n)}}` };
  }
  if (k === 2)
    return {
      method,
      path: p,
      body: JSON.stringify({ ...base, messages: Array.from({ length: r.int(300) }, () => envelope()) }),
    };
  if (k === 3) return { method: r.pick(["PUT", "PATCH", "GET", "OPTIONS"]), path: p, body: JSON.stringify(base) };
  return { method, path: p, body: mutantText(r, base) };
}

function genQuery(r: Prng): Req {
  const [path, base] = r.pick(QUERIES);
  const q = mutant(r, base) as Json;
  const pairs =
    q && typeof q === "object" && !Array.isArray(q)
      ? Object.entries(q).map(([k, v]) => `${uri(k)}=${uri(typeof v === "string" ? v : JSON.stringify(v))}`)
      : [JSON.stringify(q)];
  let qs = pairs.join("&");
  if (r.chance(0.3)) qs = mutateString(r, qs).replace(/[\s#]/g, "%20"); // raw, possibly broken escapes
  const p = r.chance(0.1) ? mutateString(r, path).replace(/[\s?#]/g, "") : path;
  return { method: "GET", path: `${p.startsWith("/") ? p : "/" + p}?${qs}` };
}

const hintsStored = new Set<string>();

async function send(q: Req): Promise<string | null> {
  const before = errors.mock.calls.length;
  let req: Request;
  try {
    req = new Request(`http://localhost${q.path}`, {
      method: q.method,
      body: q.body,
      headers: q.body !== undefined ? { "content-type": "application/json" } : {},
    });
  } catch {
    return null; // the Request itself refused the URL or method: nothing reached the relay
  }
  const res = await relay.app.handle(req);
  const text = await res.text();
  // the relay logs one line when it refuses a body nested too deep (issue 12); anything else logged is an internal error
  const logged = errors.mock.calls
    .slice(before)
    .map((c) => c.map(String).join(" "))
    .filter((l) => !/^felund relay: refused a request body nested deeper than \d+ levels \(\w+ \S+\)$/.test(l));
  if (logged.length) return `logged an internal error: ${logged.at(-1)!.slice(0, 300)}`;
  if (!OK_STATUS.has(res.status)) return `status ${res.status}: ${text.slice(0, 300)}`;
  if (res.status === 204 || text === "") return null;
  let j: Json;
  try {
    j = JSON.parse(text);
  } catch {
    return `answer is not JSON: ${text.slice(0, 200)}`;
  }
  if (res.status !== 200 && j.ok !== false) return "an error answer without ok: false";
  if (res.status === 200 && q.path.endsWith("/messages") && q.method === "POST")
    hintsStored.add(JSON.parse(q.body!).circle_hint);
  return null;
}

describe("relay HTTP edge", () => {
  test("bodies: a JSON verdict for every mutated POST/DELETE", async () => {
    expect(await fuzz("relay", "http-body", 0x4e1a01, genBody, send)).toBe("");
  });

  test("query strings and paths: a JSON verdict for every mutated GET", async () => {
    expect(await fuzz("relay", "http-query", 0x4e1a02, genQuery, send)).toBe("");
  });

  test("what was stored reads back as JSON envelopes", async () => {
    expect(hintsStored.size).toBeGreaterThan(0);
    for (const hint of hintsStored) {
      const res = await relay.call("GET", `/v1/messages?circle_hint=${uri(hint)}&since=0&limit=500`);
      expect(res.status).toBe(200);
      expect(res.json.messages.every((m: unknown) => m !== null && typeof m === "object")).toBe(true);
    }
  });
});
