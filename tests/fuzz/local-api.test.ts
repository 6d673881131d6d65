// Seeded fuzzing of the node's local API (src/node/local-api.ts, called directly: no network)
// with the right token: mutated JSON bodies of every POST route, mutated query strings and path
// parameters. Each request gets a JSON verdict (200, or 400/403/404/405/409/413/422 with
// ok: false); an exception out of the handler is a failure. Left out on purpose: the parts
// that reach the network (POST /circles/join dials the invite's peer, a relayBase setting
// starts a relay client) and key-mode channels (one scrypt per request, ~100 ms).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createLocalHandler, type LocalHandler } from "../../src/node/local-api.ts";
import type { FelundNode } from "../../src/node/node.ts";
import { startV2Node } from "../node/helpers.ts";
import { FUZZ_CASES, fuzz, mutant, mutantText, mutateString, type Json, type Prng } from "./seeded.ts";

setDefaultTimeout(180_000);
const TOKEN = "b".repeat(64);
const PORT = 48124;
const OK_STATUS = new Set([200, 400, 403, 404, 405, 409, 413, 422]);
let node: FelundNode;
let api: LocalHandler;
let ids: string[] = [];

beforeAll(async () => {
  node = await startV2Node("fuzz-api");
  api = createLocalHandler({ node, token: TOKEN, port: () => PORT });
  ids = [node.createCircle("v2").circleId, node.createCircle("legacy", { legacy: true }).circleId];
  node.send(ids[0]!, "general", "hello");
});
afterAll(() => node?.stop());

// ":id" and ":ch" are filled in per case
const POSTS: [string, string, Json][] = [
  ["POST", "/settings", { displayName: "Fuzz", retentionDays: 30 }],
  ["POST", "/circles/:id/name", { name: "renamed" }],
  ["POST", "/circles/:id/messages", { channel: "general", text: "hi there" }],
  ["POST", "/sync", { circleId: ":id" }],
  ["POST", "/circles/:id/kick", { members: ["nobody-here"] }],
  ["POST", "/circles/:id/channels", { name: "room", mode: "public" }],
  ["POST", "/circles/:id/channels/:ch/join", { key: "" }],
  ["POST", "/circles/:id/channels/:ch/leave", {}],
  ["POST", "/circles/:id/channels/:ch/approve", { member: "someone" }],
  ["POST", "/circles/:id/calls", { op: "start", channel: "general" }],
  ["POST", "/circles/:id/calls/:sid/signal", { type: "offer", to: "0123456789abcdef01234567", data: "{}" }],
  ["POST", "/circles/:id/calls/:sid/alive", {}],
  ["DELETE", "/circles/:id", {}],
];
const GETS: [string, Record<string, string>][] = [
  ["/circles/:id/messages", { channel: "general", limit: "20", before_ms: "1800000000000", before_seq: "7" }],
  ["/circles/:id/invite", { ttlS: "3600", maxUses: "3" }],
  ["/circles/:id/channels", {}],
  ["/circles/:id/peers", {}],
  ["/state", {}],
  ["/calls", {}],
];

const uri = (s: string) => encodeURIComponent(s.toWellFormed());
/** A path with its parameters: mostly real ids (the circles exist), sometimes mangled ones. */
function fill(r: Prng, path: string): string {
  const id = r.chance(0.8) ? r.pick(ids) : mutateString(r, r.pick(ids));
  const ch = r.chance(0.7) ? r.pick(["general", "room"]) : mutateString(r, "room");
  const sid = r.chance(0.5) ? "s".repeat(16) : mutateString(r, "session-1");
  let p = path.replace(":id", uri(id)).replace(":ch", uri(ch)).replace(":sid", uri(sid));
  if (r.chance(0.05)) p = p.replace(/\/[^/]*$/, r.pick(["/%zz", "/..", "//", "/%00"]));
  return p;
}

interface Req {
  method: string;
  path: string;
  body?: string;
}

function genPost(r: Prng): Req {
  const [method, path, base] = r.pick(POSTS);
  // deleting our circles would leave little to fuzz: only mangled ids are deleted
  const p = method === "DELETE" ? `/circles/${uri(mutateString(r, r.pick(ids)))}` : fill(r, path);
  const b = { ...base, ...(base.circleId ? { circleId: r.pick(ids) } : {}) };
  let body = r.chance(0.05) ? r.pick(["", "[]", "null", "{", "1", "[".repeat(50_000)]) : mutantText(r, b);
  try {
    const v = JSON.parse(body);
    if (v && typeof v === "object" && "relayBase" in v) {
      delete v.relayBase;
      body = JSON.stringify(v);
    } // network
    if (v && typeof v === "object" && v.mode === "key") {
      v.mode = "invite";
      body = JSON.stringify(v);
    } // scrypt
  } catch {
    /* not JSON: sent as it is */
  }
  return { method: r.chance(0.03) ? r.pick(["GET", "PUT", "PATCH"]) : method, path: p, body };
}

function genGet(r: Prng): Req {
  const [path, base] = r.pick(GETS);
  const q = mutant(r, base) as Json;
  const qs =
    q && typeof q === "object" && !Array.isArray(q)
      ? Object.entries(q)
          .map(([k, v]) => `${uri(k)}=${uri(typeof v === "string" ? v : JSON.stringify(v))}`)
          .join("&")
      : uri(JSON.stringify(q));
  return { method: "GET", path: `${fill(r, path)}?${qs}` };
}

const statuses = new Map<number, number>();
async function send(q: Req): Promise<string | null> {
  const headers = { host: `127.0.0.1:${PORT}`, authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
  const res = await api.fetch(
    new Request(`http://127.0.0.1:${PORT}/api${q.path}`, {
      method: q.method,
      headers,
      body: q.method === "GET" ? undefined : q.body,
    }),
  );
  if (!res) return "no response";
  const text = await res.text();
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  if (!OK_STATUS.has(res.status)) return `status ${res.status}: ${text.slice(0, 300)}`;
  let j: Json;
  try {
    j = JSON.parse(text);
  } catch {
    return `answer is not JSON: ${text.slice(0, 200)}`;
  }
  return res.status === 200 || j.ok === false ? null : "an error answer without ok: false";
}

describe("local API", () => {
  test("bodies: a JSON verdict for every mutated POST/DELETE", async () => {
    expect(await fuzz("local-api", "body", 0x10ca11, genPost, send)).toBe("");
  });

  test("query strings and path parameters: a JSON verdict for every mutated GET", async () => {
    expect(await fuzz("local-api", "query", 0x10ca12, genGet, send)).toBe("");
    // the mutants reach the routes' own work, not only the validation
    expect(statuses.get(200) ?? 0).toBeGreaterThan(FUZZ_CASES / 20);
    expect(statuses.get(422) ?? 0).toBeGreaterThan(FUZZ_CASES / 200);
  });
});
