// Signed requests on our relay (PROTOCOL-V1.md §6.5): the newer original's rules (vectors of
// tests/vectors/relay-sig.json, 300 s window, 409 on a replayed nonce, its codes), a registered
// key that nothing but its own expiry removes, and clients without a key served as before.
import { describe, expect, test } from "bun:test";
import { fromHex, toHex } from "../../src/protocol/bytes.ts";
import { relaySigningKey, relaySignHeaders } from "../../src/protocol/relay-sig.ts";
import { loadVectors } from "../protocol/vectors.ts";
import { envelope, expectCors, makeRelay, NODE_A, NODE_B, type TestRelay } from "./helpers.ts";

const v = loadVectors("relay-sig");
const HINT = v.circle_hint as string;
const KEY = fromHex(v.signing_key);
const OTHER = relaySigningKey(new Uint8Array(32).fill(9));
let n = 0;
const freshNonce = () => {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint32(0, ++n);
  return b;
};

/** A request signed by `key` as `node`, with the relay's clock unless `ts` is given. */
async function signed(
  r: TestRelay,
  method: string,
  path: string,
  body?: unknown,
  o: { key?: Uint8Array; node?: string; ts?: number; nonce?: Uint8Array; sig?: string } = {},
) {
  const text = body === undefined ? "" : JSON.stringify(body);
  const h = relaySignHeaders({
    key: o.key ?? KEY,
    nodeId: o.node ?? NODE_A,
    method,
    path: path.replace(/^.*\/v1/, "").split("?")[0]!,
    body: text,
    ts: o.ts ?? r.nowS(),
    nonce: o.nonce ?? freshNonce(),
  });
  if (o.sig) h["X-Felund-Signature"] = o.sig;
  return r.call(method, path, body === undefined ? undefined : text, h);
}

const registerBody = (node = NODE_A, key: Uint8Array | null = KEY) => ({
  node_id: node,
  circle_hint: HINT,
  endpoints: [{ transport: "tcp", host: "127.0.0.1", port: 9999, family: "ipv4", nat: "unknown" }],
  capabilities: { relay: false, transport: ["tcp"], can_anchor: false },
  ttl_s: 120,
  ...(key ? { signing_key: toHex(key) } : {}),
});
const storedKey = (r: TestRelay, node = NODE_A) =>
  (
    r.db.$client
      .query("SELECT signing_key FROM relay_presence WHERE circle_hint = ? AND node_id = ?")
      .get(HINT, node) as { signing_key: string } | null
  )?.signing_key;

/** A relay at the vectors' time, with NODE_A registered by the vector's exact request. */
async function withVectorRegister(): Promise<TestRelay> {
  const r = makeRelay({ rate: false }, v.ts);
  const reg = v.requests.find((x: { path: string }) => x.path === "/register");
  const res = await r.call("POST", "/v1/register", reg.body, {
    "X-Felund-Node": v.node_id,
    "X-Felund-Ts": String(v.ts),
    "X-Felund-Nonce": v.nonce_hex,
    "X-Felund-Signature": reg.signature,
  });
  expect(res.status).toBe(200);
  expect(storedKey(r)).toBe(v.signing_key);
  return r;
}

describe("the signed flow", () => {
  test("the vectors' register, then signed peers, push, pull and unregister (any prefix signs the path after /v1)", async () => {
    const r = await withVectorRegister();
    expect((await signed(r, "GET", `/v1/peers?circle_hint=${HINT}`)).status).toBe(200);
    expect((await signed(r, "GET", `/api/v1/peers?circle_hint=${HINT}`)).status).toBe(200);
    const post = await signed(r, "POST", "/v1/messages", { circle_hint: HINT, messages: [envelope()] });
    expect([post.status, post.json.stored]).toEqual([200, 1]);
    const pull = await signed(r, "GET", `/v1/messages?circle_hint=${HINT}&since=0`);
    expect([pull.status, pull.json.messages.length]).toEqual([200, 1]);
    // a re-register signed by the same key, with or without naming it again, keeps it
    expect((await signed(r, "POST", "/v1/register", registerBody())).status).toBe(200);
    expect((await signed(r, "POST", "/v1/register", registerBody(NODE_A, null))).status).toBe(200);
    expect(storedKey(r)).toBe(v.signing_key);
    const del = await signed(r, "DELETE", "/v1/register", { node_id: NODE_A, circle_hint: HINT });
    expect([del.status, del.json.removed]).toEqual([200, true]);
  });

  test("wrong or missing signature: 401 INVALID_SIGNATURE on every checked call", async () => {
    const r = await withVectorRegister();
    const bad = { sig: "00".repeat(32) };
    for (const res of [
      await signed(r, "GET", `/v1/peers?circle_hint=${HINT}`, undefined, bad),
      await signed(r, "GET", `/v1/peers?circle_hint=${HINT}`, undefined, { key: OTHER }),
      await signed(r, "GET", `/v1/messages?circle_hint=${HINT}`, undefined, bad),
      await signed(r, "POST", "/v1/messages", { circle_hint: HINT, messages: [envelope()] }, bad),
      await signed(r, "DELETE", "/v1/register", { node_id: NODE_A, circle_hint: HINT }, bad),
      await r.call("GET", `/v1/peers?circle_hint=${HINT}`, undefined, { "X-Felund-Node": NODE_A }),
      await r.call("GET", `/v1/messages?circle_hint=${HINT}`, undefined, { "X-Felund-Node": NODE_A }),
      await r.post(HINT, [envelope()], { "X-Felund-Node": NODE_A }),
      await r.call("DELETE", "/v1/register", { node_id: NODE_A, circle_hint: HINT }),
    ]) {
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({ ok: false, code: "INVALID_SIGNATURE" });
      expectCors(res.headers);
    }
    // the body is covered: the same headers over other bytes fail
    const h = relaySignHeaders({
      key: KEY,
      nodeId: NODE_A,
      method: "POST",
      path: "/messages",
      body: "{}",
      ts: r.nowS(),
      nonce: freshNonce(),
    });
    expect((await r.post(HINT, [envelope()], h)).status).toBe(401);
    expect(r.db.$client.query("SELECT count(*) AS n FROM relay_messages").get()).toEqual({ n: 0 });
    expect(storedKey(r)).toBe(v.signing_key);
  });

  test("a replayed nonce is 409 NONCE_REPLAY, even on another endpoint; after 300 s it is forgotten (and the ts stale)", async () => {
    const r = await withVectorRegister();
    const nonce = freshNonce();
    expect((await signed(r, "GET", `/v1/peers?circle_hint=${HINT}`, undefined, { nonce })).status).toBe(200);
    const again = await signed(r, "GET", `/v1/peers?circle_hint=${HINT}`, undefined, { nonce });
    expect([again.status, again.json.code]).toEqual([409, "NONCE_REPLAY"]);
    const other = await signed(r, "GET", `/v1/messages?circle_hint=${HINT}`, undefined, { nonce });
    expect(other.status).toBe(409);
    // the vectors' register nonce is taken too
    const vec = await signed(r, "GET", `/v1/peers?circle_hint=${HINT}`, undefined, { nonce: fromHex(v.nonce_hex) });
    expect(vec.status).toBe(409);
    const count = () => (r.db.$client.query("SELECT count(*) AS n FROM relay_nonces").get() as { n: number }).n;
    expect(count()).toBe(2);
    r.advance(301);
    r.app.relay.prune();
    expect(count()).toBe(0);
  });

  test("a timestamp more than 300 s off is 400 EXPIRED_TIMESTAMP; 299 s is fine", async () => {
    const r = await withVectorRegister();
    const at = (d: number) => signed(r, "GET", `/v1/peers?circle_hint=${HINT}`, undefined, { ts: r.nowS() + d });
    for (const d of [-301, 301, -10_000]) {
      const res = await at(d);
      expect([res.status, res.json.code]).toEqual([400, "EXPIRED_TIMESTAMP"]);
    }
    expect((await at(-299)).status).toBe(200);
    expect((await at(299)).status).toBe(200);
    const junk = await r.call("GET", `/v1/peers?circle_hint=${HINT}`, undefined, {
      "X-Felund-Node": NODE_A,
      "X-Felund-Ts": "soon",
      "X-Felund-Nonce": "n1",
      "X-Felund-Signature": "00",
    });
    expect([junk.status, junk.json.code]).toEqual([400, "EXPIRED_TIMESTAMP"]);
  });
});

describe("a registered key stays until its registration expires", () => {
  test("an unsigned re-register is refused and does not wipe the key (the newer original wipes it)", async () => {
    const r = await withVectorRegister();
    const res = await r.call("POST", "/v1/register", registerBody(NODE_A, null));
    expect([res.status, res.json.code]).toEqual([401, "INVALID_SIGNATURE"]);
    expect(storedKey(r)).toBe(v.signing_key);
    expect((await signed(r, "GET", `/v1/peers?circle_hint=${HINT}`)).status).toBe(200);
  });

  test("a register naming another key, even signed by it, is refused; the endpoints stay the member's", async () => {
    const r = await withVectorRegister();
    const body = { ...registerBody(NODE_A, OTHER), endpoints: [{ transport: "tcp", host: "6.6.6.6", port: 1 }] };
    const res = await signed(r, "POST", "/v1/register", body, { key: OTHER });
    expect([res.status, res.json.code]).toEqual([401, "INVALID_SIGNATURE"]);
    expect(storedKey(r)).toBe(v.signing_key);
    const peers = await r.call("GET", `/v1/peers?circle_hint=${HINT}`, undefined, { "X-Felund-Node": NODE_B });
    expect(peers.json.peers[0].endpoints[0].host).toBe("127.0.0.1");
  });

  test("once the registration expired, anyone may register that node id again (signed or not)", async () => {
    const r = await withVectorRegister();
    r.advance(121);
    // expired: not checked any more
    expect((await r.call("GET", `/v1/peers?circle_hint=${HINT}`, undefined, { "X-Felund-Node": NODE_A })).status).toBe(
      200,
    );
    expect((await signed(r, "POST", "/v1/register", registerBody(NODE_A, OTHER), { key: OTHER })).status).toBe(200);
    expect(storedKey(r)).toBe(toHex(OTHER));
    r.advance(121);
    expect((await r.call("POST", "/v1/register", registerBody(NODE_A, null))).status).toBe(200);
    expect(storedKey(r)).toBe("");
  });

  test("a register naming a key must be signed by it; a malformed key is 400", async () => {
    const r = makeRelay({ rate: false }, v.ts);
    const unsigned = await r.call("POST", "/v1/register", registerBody());
    expect([unsigned.status, unsigned.json.code]).toEqual([401, "INVALID_SIGNATURE"]);
    const wrong = await signed(r, "POST", "/v1/register", registerBody(), { key: OTHER });
    expect(wrong.status).toBe(401);
    expect(storedKey(r)).toBeUndefined();
    for (const k of ["abc", "zz".repeat(32), 5]) {
      const res = await r.call("POST", "/v1/register", { ...registerBody(NODE_A, null), signing_key: k });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({
        detail: "Field 'signing_key' must be a 64-char hex string",
        code: "E_BAD_INPUT",
      });
    }
    // any case, stored lowercased
    const upper = { ...registerBody(NODE_A, null), signing_key: v.signing_key.toUpperCase() };
    expect((await signed(r, "POST", "/v1/register", upper)).status).toBe(200);
    expect(storedKey(r)).toBe(v.signing_key);
  });
});

describe("clients that never registered a key", () => {
  test("are served as before, beside a member that signs", async () => {
    const r = await withVectorRegister();
    expect((await r.call("POST", "/v1/register", registerBody(NODE_B, null))).status).toBe(200);
    expect(storedKey(r, NODE_B)).toBe("");
    const peers = await r.call("GET", `/v1/peers?circle_hint=${HINT}`, undefined, { "X-Felund-Node": NODE_B });
    expect(peers.json.peers.map((p: { node_id: string }) => p.node_id)).toEqual([NODE_A]);
    expect((await r.call("GET", `/v1/peers?circle_hint=${HINT}`)).status).toBe(200);
    expect((await r.post(HINT, [envelope()], { "X-Felund-Node": NODE_B })).json.stored).toBe(1);
    expect((await r.post(HINT, [envelope()])).json.stored).toBe(1);
    expect((await r.call("GET", `/v1/messages?circle_hint=${HINT}&since=0`)).json.messages.length).toBe(2);
    // signature headers of a node without a key are not looked at (as a relay that ignores them)
    expect(
      (await signed(r, "GET", `/v1/peers?circle_hint=${HINT}`, undefined, { node: NODE_B, key: OTHER })).status,
    ).toBe(200);
    expect((await r.call("DELETE", "/v1/register", { node_id: NODE_B, circle_hint: HINT })).json.removed).toBe(true);
  });

  test("CORS lets a page of another origin send the signature headers", async () => {
    const r = makeRelay({ rate: false });
    const res = await r.call("OPTIONS", "/v1/peers");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-headers")).toBe(
      "Content-Type, X-Felund-Node, X-Felund-Ts, X-Felund-Nonce, X-Felund-Signature",
    );
  });
});

test("the OpenAPI description documents the signed requests", async () => {
  const spec = (await makeRelay().call("GET", "/docs/json")).json;
  expect(spec.info.description).toContain("signing_key");
  const reg = JSON.stringify(spec.paths["/v1/register"]);
  expect(reg).toContain("signing_key");
  expect(reg).toContain("INVALID_SIGNATURE");
  for (const [p, m] of [
    ["/v1/peers", "get"],
    ["/v1/messages", "get"],
    ["/v1/messages", "post"],
    ["/v1/register", "delete"],
  ] as const) {
    expect(spec.paths[p][m].description).toContain("NONCE_REPLAY");
    expect(Object.keys(spec.paths[p][m].responses)).toContain("401");
  }
});
