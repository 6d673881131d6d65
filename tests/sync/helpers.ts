// In-memory harness for the pure sync engine: two V1Exchange instances over real
// NodeStore(:memory:) stores, their lines handed across directly (no sockets, no timers),
// with a seeded RNG and a fixed clock so every run is the same.
import { openMemoryDb } from "../../db/client.ts";
import { NodeStore } from "../../db/node-store.ts";
import { toHex } from "../../src/protocol/bytes.ts";
import type { Rng } from "../../src/protocol/crypto.ts";
import { circleIdFromSecret, msgIdFor } from "../../src/protocol/ids.ts";
import { computeMac, type ChatMessage } from "../../src/protocol/message.ts";
import { CallRegistry } from "../../src/sync/control-apply.ts";
import { PeerKnowledge } from "../../src/sync/knowledge.ts";
import { sortTsFor } from "../../src/sync/merge.ts";
import { V1Exchange, type ExchangeDeps } from "../../src/sync/v1-exchange.ts";
import { fromHex } from "../../src/protocol/bytes.ts";

/** A fixed "now" (2027-01-15) so window and clamping arithmetic is reproducible. */
export const NOW = 1_800_000_000;

/** xorshift32 byte stream: deterministic randomness for nonces and ids. */
export function seededRng(seed: number): Rng {
  let s = seed >>> 0 || 0x9e3779b9;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      out[i] = s & 255;
    }
    return out;
  };
}

export interface Side {
  name: string;
  nodeId: string;
  store: NodeStore;
  knowledge: PeerKnowledge;
  deps: ExchangeDeps;
  /** the listen address this side advertises */
  listenAddr: string;
  /** move this side's clock forward */
  advance(seconds: number): void;
}

let sideCounter = 0;

export function makeSide(
  name: string,
  opts: { ext?: boolean; encrypt?: boolean; now?: number; port?: number } = {},
): Side {
  const n = ++sideCounter;
  const nodeId = toHex(seededRng(1000 + n)(12));
  const store = new NodeStore(openMemoryDb());
  let now = opts.now ?? NOW;
  const knowledge = new PeerKnowledge(() => now * 1000);
  const listenAddr = `127.0.0.1:${opts.port ?? 7000 + n}`;
  const deps: ExchangeDeps = {
    store,
    calls: new CallRegistry(),
    knowledge,
    now: () => now,
    rng: seededRng(n * 7919),
    self: { nodeId, isSelfAddr: (a) => a === listenAddr, listenAddr },
    encrypt: opts.encrypt,
    ext: opts.ext,
  };
  return {
    name,
    nodeId,
    store,
    knowledge,
    deps,
    listenAddr,
    advance: (sec) => {
      now += sec;
    },
  };
}

export const secretFor = (seed: number): string => toHex(seededRng(seed)(32));

export function addCircle(store: NodeStore, secretHex: string, circleId = circleIdFromSecret(secretHex)): string {
  store.addCircle({
    circleId,
    secretHex,
    name: "",
    owned: false,
    bootstrap: "",
    mode: "v1",
    keyEpoch: 0,
    joinedAt: NOW,
  });
  return circleId;
}

/** `n` MAC'd messages by `author`, created at ts(i), with texts of `textLen` characters. */
export function makeMessages(
  secretHex: string,
  author: string,
  n: number,
  opts: { ts?: (i: number) => number; textLen?: number; channel?: string; tag?: string } = {},
): ChatMessage[] {
  const circleId = circleIdFromSecret(secretHex);
  const key = fromHex(secretHex);
  const ts = opts.ts ?? ((i) => NOW - 86_400 + i);
  const out: ChatMessage[] = [];
  for (let i = 0; i < n; i++) {
    const createdTs = ts(i);
    const body = `${opts.tag ?? author.slice(0, 4)} #${i} `;
    const text = body.padEnd(Math.max(body.length, opts.textLen ?? 20), "x");
    const base = {
      msgId: msgIdFor(author, createdTs, `${opts.tag ?? ""}${i}`.padStart(16, "0").slice(-16)),
      circleId,
      channelId: opts.channel ?? "general",
      authorNodeId: author,
      displayName: "tester",
      createdTs,
      text,
    };
    out.push({ ...base, mac: computeMac(key, base) });
  }
  return out;
}

export function insertAll(store: NodeStore, msgs: ChatMessage[], now = NOW): void {
  store.transaction(() => {
    for (const m of msgs)
      store.insertMessage(m, {
        origin: "local",
        receivedAt: now,
        sortTs: sortTsFor(m.createdTs, now),
        sortMs: sortTsFor(m.createdTs, now) * 1000,
      });
  });
}

export const idsOf = (store: NodeStore, circleId: string): Set<string> => new Set(store.offerIds(circleId, {}));

export interface WireLine {
  from: "client" | "server";
  line: string;
  bytes: number;
}

export interface Run {
  client: V1Exchange;
  server: V1Exchange;
  lines: WireLine[];
}

/**
 * One exchange, `client` dialling `server`, lines handed across until both close. A side
 * that closes stops reading; whoever is left waiting then sees EOF (abort), as over TCP.
 */
export function runExchange(
  client: Side,
  server: Side,
  circleId: string,
  opts: { tamper?: (w: WireLine) => string | null } = {},
): Run {
  const c = V1Exchange.client(client.deps, circleId, server.listenAddr);
  const s = V1Exchange.server(server.deps, "127.0.0.1");
  const toServer: string[] = [];
  const toClient: string[] = [];
  const lines: WireLine[] = [];
  let cClosed = false;
  let sClosed = false;
  const push = (from: "client" | "server", step: { send: string[]; close?: unknown }) => {
    for (const l of step.send) {
      const w: WireLine = { from, line: l, bytes: Buffer.byteLength(l) + 1 };
      const sent = opts.tamper ? opts.tamper(w) : l;
      lines.push(w);
      if (sent !== null) (from === "client" ? toServer : toClient).push(sent);
    }
    if (step.close) {
      if (from === "client") cClosed = true;
      else sClosed = true;
    }
  };
  push("client", c.start());
  for (let i = 0; i < 100; i++) {
    if (toServer.length && !sClosed) push("server", s.receive(toServer.shift()!));
    else if (toClient.length && !cClosed) push("client", c.receive(toClient.shift()!));
    else break;
  }
  if (!c.done) c.abort("peer closed");
  if (!s.done) s.abort("peer closed");
  return { client: c, server: s, lines };
}

/**
 * Exchanges until neither side reports more to do (bounded). `roles` picks who dials in
 * round i. Returns every run.
 */
export function syncRepeatedly(
  a: Side,
  b: Side,
  circleId: string,
  opts: { max?: number; roles?: (i: number) => [Side, Side] } = {},
): Run[] {
  const runs: Run[] = [];
  const max = opts.max ?? 200;
  for (let i = 0; i < max; i++) {
    const [c, s] = opts.roles ? opts.roles(i) : [a, b];
    const r = runExchange(c, s, circleId);
    runs.push(r);
    if (!r.client.result.completed || !r.server.result.completed) break;
    const progressed = r.client.result.stored.length + r.server.result.stored.length > 0;
    if (!progressed && !(r.client.result.more || r.server.result.more)) break;
    if (!progressed && i > 0 && !runs[i - 1]!.client.result.stored.length && !runs[i - 1]!.server.result.stored.length)
      break;
  }
  return runs;
}

export const maxLine = (runs: Run[] | Run): number =>
  Math.max(0, ...(Array.isArray(runs) ? runs : [runs]).flatMap((r) => r.lines.map((l) => l.bytes)));
