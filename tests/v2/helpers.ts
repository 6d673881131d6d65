// In-memory harness for the v2 engine: nodes with real NodeStore(:memory:) stores and fixed
// keys, a seeded RNG and a settable clock; connections are two V2Exchange instances whose
// lines are handed across (optionally through an attacker's hands) until nothing moves.
import { openMemoryDb } from "../../db/client.ts";
import { NodeStore } from "../../db/node-store.ts";
import { toHex } from "../../src/protocol/bytes.ts";
import { circleIdFromSecret } from "../../src/protocol/ids.ts";
import { nodeKeysFromSeed, type NodeKeys } from "../../src/protocol/v2/keys.ts";
import { makeCardMessage } from "../../src/protocol/v2/member-card.ts";
import { CallRegistry } from "../../src/sync/control-apply.ts";
import { acceptSigned, composeText, type V2Ctx } from "../../src/sync/v2-apply.ts";
import { V2Exchange, type V2Deps, type V2Step } from "../../src/sync/v2-exchange.ts";
import { routeInbound } from "../../src/sync/v2-route.ts";
import type { StoredMessage, SyncStoreV2 } from "../../src/sync/store.ts";
import { MemStore } from "../../ui/web/src/relay/mem-store.ts";
import "../../ui/web/src/relay/mem-refs.ts"; // MemStore's refsTo and eraseMessage (loaded with the ref rules)
import "../../ui/web/src/relay/mem-remove.ts"; // MemStore's removeCircle (the browser loads it with the leave)
import "../../ui/web/src/relay/mem-v1.ts"; // MemStore's answers to a v1 exchange (the browser loads them with the legacy code)
import "../../ui/web/src/relay/mem-control.ts"; // MemStore's writes of control events, invites and admissions (the browser loads them with their code)
import { seededRng, NOW } from "../sync/helpers.ts";

export { seededRng, NOW };

/** The two stores a peer runs on: the node's SQLite and the relay-only browser's in-memory one. */
export type StoreKind = "sqlite" | "mem";
export const newStore = (kind: StoreKind): SyncStoreV2 =>
  kind === "sqlite" ? new NodeStore(openMemoryDb()) : new MemStore();

export interface Node {
  name: string;
  keys: NodeKeys;
  store: NodeStore;
  calls: CallRegistry;
  deps: V2Deps;
  clock: { now: number };
  listenAddr: string;
  ctx(): V2Ctx;
}

let counter = 0;
/** `kind`: which store the node runs on (typed as NodeStore for the tests that read its extras). */
export function makeNode(name: string, seed = ++counter + 100, kind: StoreKind = "sqlite"): Node {
  const keys = nodeKeysFromSeed(seededRng(seed)(32));
  const store = newStore(kind) as NodeStore;
  const calls = new CallRegistry();
  const clock = { now: NOW };
  const listenAddr = `127.0.0.1:${9000 + (seed % 1000)}`;
  const deps: V2Deps = {
    store,
    calls,
    now: () => clock.now,
    rng: seededRng(seed * 31 + 7),
    self: { keys, listenAddr, isSelfAddr: (a) => a === listenAddr },
  };
  return {
    name,
    keys,
    store,
    calls,
    deps,
    clock,
    listenAddr,
    ctx: () => ({ store, calls, self: keys, now: clock.now }),
  };
}

export const SECRET = "2a".repeat(32);

/** Add a circle to a node; `owner` is whose Ed25519 key owns it. Publishes this node's member card. */
export function joinCircle(
  n: Node,
  owner: Node,
  opts: { mode?: "v1" | "v2"; secret?: string; publishCard?: boolean } = {},
): string {
  const secret = opts.secret ?? SECRET;
  const circleId = circleIdFromSecret(secret);
  n.store.addCircle({
    circleId,
    secretHex: secret,
    name: "",
    owned: n === owner,
    bootstrap: "",
    mode: opts.mode ?? "v2",
    keyEpoch: 0,
    joinedAt: NOW,
  });
  n.store.setCircleOwner(circleId, toHex(owner.keys.edPublic));
  if (opts.publishCard !== false) {
    const card = makeCardMessage(n.keys, {
      circleId,
      displayName: n.name,
      ts: n.clock.now,
      epoch: 0,
      salt: n.deps.rng(16),
    });
    const r = acceptSigned(n.ctx(), n.store.getCircle(circleId)!, card.wire, "local");
    if (!r.ok) throw new Error(r.reason);
  }
  return circleId;
}

export function post(n: Node, circleId: string, text: string, channelId = "general"): StoredMessage {
  const r = composeText(n.ctx(), { circleId, channelId, displayName: n.name, now: n.clock.now, rng: n.deps.rng, text });
  if (!r.ok) throw new Error(r.reason);
  return r.value.row;
}

export interface Wire {
  from: "client" | "server";
  line: string;
}
/** What an attacker on the wire does with a line: pass it, drop it (null), replace it, or add more. */
export type Tamper = (w: Wire, i: number) => string | null | string[];

export interface Conn {
  client: V2Exchange;
  server: V2Exchange;
  lines: Wire[];
  bytes: { client: number; server: number };
  closed: { client?: { reason: string; error: boolean }; server?: { reason: string; error: boolean } };
  stored: { client: StoredMessage[]; server: StoredMessage[] };
  /** hand everything queued across until nothing moves */
  pump(): void;
  /** feed a step produced outside pump (push/resync) */
  feed(from: "client" | "server", s: V2Step): void;
}

export function connect(
  client: Node,
  server: Node,
  circleId: string,
  opts: { tamper?: Tamper; start?: (c: V2Exchange) => V2Step; clientEx?: V2Exchange } = {},
): Conn {
  const c = opts.clientEx ?? V2Exchange.client(client.deps, circleId, server.listenAddr);
  const s = V2Exchange.server(server.deps, "127.0.0.1");
  const q: Record<"client" | "server", string[]> = { client: [], server: [] };
  const conn: Conn = {
    client: c,
    server: s,
    lines: [],
    bytes: { client: 0, server: 0 },
    closed: {},
    stored: { client: [], server: [] },
    pump() {
      for (let i = 0; i < 10_000; i++) {
        if (q.server.length && !conn.closed.server) {
          const line = q.server.shift()!;
          conn.feed("server", s.receive(line));
        } else if (q.client.length && !conn.closed.client) {
          const line = q.client.shift()!;
          conn.feed("client", c.receive(line));
        } else {
          // both directions idle: what a shell does as its queue drains (the rest of a long answer)
          const more = {
            client: conn.closed.client ? { send: [] } : c.more(),
            server: conn.closed.server ? { send: [] } : s.more(),
          };
          if (!more.client.send.length && !more.server.send.length) break;
          conn.feed("client", more.client);
          conn.feed("server", more.server);
        }
      }
    },
    feed(from, step) {
      if (step.stored) conn.stored[from].push(...step.stored);
      for (const l of step.send) {
        conn.bytes[from] += l.length + 1;
        const w = { from, line: l };
        const idx = conn.lines.length;
        conn.lines.push(w);
        const t = opts.tamper ? opts.tamper(w, idx) : l;
        const dest = from === "client" ? "server" : "client";
        if (t === null) continue;
        for (const x of Array.isArray(t) ? t : [t]) q[dest].push(x);
      }
      if (step.close) conn.closed[from] = step.close;
    },
  };
  // the shell on the server side routes the first line
  const first = opts.start ? opts.start(c) : c.start();
  conn.feed("client", first);
  const hello = q.server[0];
  if (hello !== undefined) {
    const route = routeInbound(hello, server.store);
    if (route.engine !== "v2") {
      q.server.shift();
      conn.closed.server = { reason: route.engine === "refuse" ? route.reason : "v1", error: true };
      if (route.engine === "refuse") for (const l of route.send) q.client.push(l);
    }
  }
  conn.pump();
  return conn;
}

export const texts = (n: Node, circleId: string): string[] =>
  n.store
    .recentMessages(circleId, 100_000)
    .filter((m) => m.channelId !== "__control")
    .map((m) => m.text)
    .sort();
