// A clean-room stand-in for the newer original PHP relay (felund-core-newer.md b1), written
// from the reference's rules, not from our relay: it checks every signature of peers,
// messages and unregister (a missing or wrong one is 401 INVALID_SIGNATURE, a stale ts 400
// EXPIRED_TIMESTAMP, a replayed nonce 409 NONCE_REPLAY, no stored key 401), stores the key a
// signed register names, and wipes it on an unsigned register. It has no WebSocket and no
// cursor (since/server_time, as the original). Optionally serves the web client in relay
// mode for a real browser. Every request is logged for the tests to look at.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { webClient } from "../../src/node/web-static.ts";

export interface Logged {
  method: string;
  path: string;
  status: number;
  signed: boolean;
  hint: string;
}
export interface StrictRelay {
  base: string;
  log: Logged[];
  keys: Map<string, string>;
  stop(): void;
}

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type, X-Felund-Node, X-Felund-Ts, X-Felund-Nonce, X-Felund-Signature",
};
const reply = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...CORS } });
const fail = (code: string, status: number) => reply({ ok: false, code }, status);

export function startStrictRelay(o: { web?: boolean } = {}): StrictRelay {
  const keys = new Map<string, string>(); // hint|node -> key hex ("" after an unsigned register)
  const presence = new Map<string, { node_id: string; endpoints: unknown; expires: number }>();
  const stored: { hint: string; at: number; env: unknown }[] = [];
  const nonces = new Map<string, number>();
  const log: Logged[] = [];
  const web = o.web ? webClient({ mode: "relay", build: false }) : null;

  /** the reference's checks, in its order; null when the request may go on */
  const verify = (req: Request, path: string, body: string, hint: string, node: string): Response | null => {
    const ts = req.headers.get("x-felund-ts");
    const nonce = req.headers.get("x-felund-nonce");
    const sig = req.headers.get("x-felund-signature");
    if (!ts || !nonce || !sig) return fail("INVALID_SIGNATURE", 401);
    const now = Math.floor(Date.now() / 1000);
    if (Math.abs(now - Number(ts)) > 300) return fail("EXPIRED_TIMESTAMP", 400);
    for (const [n, t] of nonces) if (t < now - 300) nonces.delete(n);
    if (nonces.has(nonce)) return fail("NONCE_REPLAY", 409);
    const key = keys.get(`${hint}|${node}`);
    if (!key) return fail("INVALID_SIGNATURE", 401);
    const canonical = req.method + path + createHash("sha256").update(body).digest("hex") + ts + nonce;
    const want = createHmac("sha256", Buffer.from(key, "hex")).update(canonical).digest();
    const got = Buffer.from(sig.toLowerCase(), "hex");
    if (got.length !== want.length || !timingSafeEqual(got, want)) return fail("INVALID_SIGNATURE", 401);
    nonces.set(nonce, Number(ts));
    return null;
  };

  const handle = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const path = url.pathname.replace(/^.*\/v1(?=\/)/, "");
    const body = req.method === "GET" ? "" : await req.text();
    const json = body ? (JSON.parse(body) as Record<string, any>) : {};
    const node = req.headers.get("x-felund-node") ?? "";
    const q = url.searchParams;
    const now = Math.floor(Date.now() / 1000);
    if (path === "/health") return reply({ ok: true, version: "0.1.0", time: now });
    if (path === "/register" && req.method === "POST") {
      const k = `${json.circle_hint}|${json.node_id}`;
      if (json.signing_key !== undefined) {
        if (!/^[0-9a-fA-F]{64}$/.test(String(json.signing_key)))
          return reply({ ok: false, detail: "Field 'signing_key' must be a 64-char hex string" }, 400);
        keys.set(k, json.signing_key.toLowerCase());
        const no = verify(req, path, body, json.circle_hint, json.node_id);
        if (no) return no;
      } else keys.set(k, "");
      presence.set(k, { node_id: json.node_id, endpoints: json.endpoints ?? [], expires: now + (json.ttl_s ?? 120) });
      return reply({ ok: true, server_time: now, expires_at: now + 120, observed_host: null });
    }
    if (path === "/register" && req.method === "DELETE") {
      const no = verify(req, path, body, json.circle_hint, json.node_id);
      if (no) return no;
      return reply({ ok: true, removed: presence.delete(`${json.circle_hint}|${json.node_id}`) });
    }
    if (path === "/peers") {
      const hint = q.get("circle_hint") ?? "";
      const no = verify(req, path, body, hint, node);
      if (no) return no;
      const peers = [...presence.entries()]
        .filter(([k, p]) => k.startsWith(`${hint}|`) && p.node_id !== node && p.expires > now)
        .map(([, p]) => ({ node_id: p.node_id, circle_hint: hint, endpoints: p.endpoints, observed_at: now }));
      return reply({ ok: true, peers });
    }
    if (path === "/messages" && req.method === "POST") {
      const no = verify(req, path, body, json.circle_hint, node);
      if (no) return no;
      for (const env of json.messages) stored.push({ hint: json.circle_hint, at: now, env });
      return reply({ ok: true, stored: json.messages.length });
    }
    if (path === "/messages") {
      const hint = q.get("circle_hint") ?? "";
      const no = verify(req, path, body, hint, node);
      if (no) return no;
      const since = Number(q.get("since") ?? 0);
      const messages = stored.filter((m) => m.hint === hint && m.at >= since).map((m) => m.env);
      return reply({ ok: true, messages, server_time: now });
    }
    return reply({ ok: false, detail: "Not found" }, 404);
  };

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (req) => {
      const url = new URL(req.url);
      if (req.method === "OPTIONS") return new Response(null, { status: 204, headers: CORS });
      if (!url.pathname.includes("/v1/")) return web ? web.handle(req) : reply({ ok: false }, 404);
      const signed = req.headers.has("x-felund-signature");
      const res = await handle(req.clone());
      const hint =
        url.searchParams.get("circle_hint") ?? (await req.text().then((t) => (t ? JSON.parse(t).circle_hint : "")));
      log.push({ method: req.method, path: url.pathname.replace(/^.*\/v1/, ""), status: res.status, signed, hint });
      return res;
    },
  });
  return { base: `http://127.0.0.1:${server.port}`, log, keys, stop: () => void server.stop(true) };
}
