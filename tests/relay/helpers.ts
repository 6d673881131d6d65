// A relay on a migrated in-memory database with a hand-driven clock, and a one-line way to
// send it a request through app.handle (no network).
import { openMemoryDb, type Db } from "../../db/client.ts";
import { createRelayApp, type RelayApp } from "../../src/relay/app.ts";
import type { RelayConfigInput } from "../../src/relay/config.ts";

export const HINT = "e03c84dccc271635";
export const HINT2 = "f14d95eddd382746";
export const NODE_A = "a1b2c3d4e5f60718293a4b5c";
export const NODE_B = "b2c3d4e5f60718293a4b5c6d";
export const T0 = 1_800_000_000; // seconds

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export interface TestRelay {
  app: RelayApp;
  db: Db;
  /** current clock in ms */
  now(): number;
  nowS(): number;
  advance(seconds: number): void;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  post(hint: string, messages: unknown[], headers?: Record<string, string>): Promise<Reply>;
}

export function makeRelay(
  config: RelayConfigInput = {},
  startS = T0,
  deps: { db?: Db; freeBytes?: () => number } = {},
): TestRelay {
  const db = deps.db ?? openMemoryDb();
  let nowMs = startS * 1000;
  const app = createRelayApp({ db, now: () => nowMs, config, freeBytes: deps.freeBytes });
  const call = callerOf(app);
  return {
    app,
    db,
    now: () => nowMs,
    nowS: () => Math.floor(nowMs / 1000),
    advance(seconds: number) {
      nowMs += seconds * 1000;
    },
    call,
    post: (hint, messages, headers) => call("POST", "/v1/messages", { circle_hint: hint, messages }, headers),
  };
}

/** Requests to an app through app.handle (no network). */
export function callerOf(app: { handle(r: Request): Promise<Response> }): TestRelay["call"] {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const res = await app.handle(new Request(`http://localhost${path}`, init));
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: res.status, headers: res.headers, text, json };
  };
}

let counter = 0;
/** A fresh 32-hex msg_id. */
export const msgId = () => (++counter).toString(16).padStart(8, "0") + crypto.randomUUID().replace(/-/g, "").slice(8);

/** An encrypted-envelope-shaped object (PROTOCOL-V1.md §4.4); the relay treats `enc` as opaque. */
export function envelope(id = msgId(), extra: Record<string, unknown> = {}) {
  return {
    msg_id: id,
    circle_id: "630dcd2966c4336691125448",
    channel_id: "general",
    author_node_id: NODE_A,
    created_ts: 1_700_000_000,
    enc: {
      alg: "AES-256-GCM",
      key_id: "epoch-0",
      nonce: "AAECAwQFBgcICQoL",
      ciphertext: "P+qAgq7+/8wc0tBDIRdixIF9acii+xplJavxON37gZgiV68RQgyiNs+edQwylW7WcJaZVejt1nCFb242vY8=",
    },
    ...extra,
  };
}

export const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
  "access-control-allow-headers": "Content-Type, X-Felund-Node, X-Felund-Ts, X-Felund-Nonce, X-Felund-Signature",
};

export function expectCors(h: Headers): void {
  for (const [k, v] of Object.entries(CORS))
    if (h.get(k) !== v) throw new Error(`header ${k} is ${h.get(k)}, want ${v}`);
}
