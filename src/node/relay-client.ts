// The node's side of the relay client (src/peer/relay/sync.ts does the HTTP and WebSocket
// work): per circle it announces this node's TCP endpoint and dials the members the relay lists,
// pushes every message stored after a persisted cursor (but never those this relay brought), and
// stores what it pulls with origin `relay:<base>` (src/sync/relay-envelopes.ts), then fans it out
// to every other path: this node bridges the relay and TCP-only peers (fixes PROTOCOL-V1.md W9).
// Cursors live in settings, so nothing is skipped across restarts (W8). While this node has
// unexpired felund2 invites it answers joins that reach it through the relay's /v1/signal
// (src/peer/relay/admissions.ts). It gets the node as ports, never the node itself.
import type { NodeStore } from "../../db/node-store.ts";
import { fromHex } from "../protocol/bytes.ts";
import type { Rng } from "../protocol/crypto.ts";
import { circleHint } from "../protocol/ids.ts";
import type { NodeKeys } from "../protocol/v2/keys.ts";
import type { Arrival } from "../peer/fan-out.ts";
import { AdmissionWatch } from "../peer/relay/admissions.ts";
import type { PullCursor, RelayPeer, RequestSigner } from "../peer/relay/api.ts";
import { legacySigner } from "../peer/relay/signer.ts";
import { RelaySync, type RelayHost, type WsCtor } from "../peer/relay/sync.ts";
import type { CallRegistry } from "../sync/call-registry.ts";
import { RelayEnvelopes } from "../sync/relay-envelopes.ts";
import { v1Envelopes as V1 } from "../sync/relay-envelopes-v1.ts";
import { RELAY_HOLDER, type StoredMessage } from "../sync/store.ts";
import type { V2Deps } from "../sync/v2-exchange.ts";
import { formatHostPort } from "../protocol/hostport.ts";
import { RELAY_PRESENCE_TTL_S } from "../protocol/limits.ts";
import { pushAllowance, pushKey } from "../protocol/v2/push-allowance.ts";
import { advertisedHost } from "./identity.ts";

export interface RelayStatus {
  base: string;
  circles: { circleId: string; ws: boolean; lastPoll: number }[];
  lastError: string;
}

/** What the relay client needs of the node. */
export interface RelayNode {
  readonly nodeId: string;
  readonly store: NodeStore;
  readonly calls: CallRegistry;
  readonly keys: NodeKeys;
  readonly ctx: { now(): number; rng: Rng };
  /** the TCP port this node listens on (0: none) */
  readonly port: number;
  readonly settings: { bind: string };
  subscribe(fn: (e: { t: string }) => void): () => void;
  log(line: string): void;
  /** a member's TCP endpoint from the relay's presence list; true if new or changed */
  addRelayPeer(circleId: string, nodeId: string, addr: string): boolean;
  syncSoon(circleId: string): void;
  /** the relay's presence list of a circle came in (presentIn() has it) */
  presenceSeen?(circleId: string): void;
  /** the node's fan-out of stored messages */
  stored(ms: readonly StoredMessage[], from: Arrival): void;
  v2Deps(): V2Deps;
  /** the relay holds these messages (delivery state of our own) */
  held?(msgIds: readonly string[], holder: string): void;
  /** typing indicators (src/peer/typing.ts) */
  readonly typing?: { fromRelay(circleId: string, blob: unknown): void };
}

export class RelayClient {
  /** what the store records as the origin of messages this relay brought (a node that moves to another relay pushes them there) */
  readonly origin: string;
  private readonly sync: RelaySync;
  private readonly admissions: AdmissionWatch;
  private readonly envs = new Map<string, RelayEnvelopes>();
  /** the request signer of each legacy circle, by relay hint (PROTOCOL-V1.md §6.5) */
  private readonly signers = new Map<string, RequestSigner | null>();
  private unsub: (() => void) | null = null;

  constructor(
    private node: RelayNode,
    readonly base: string,
    opts: { ws?: boolean; WebSocketImpl?: WsCtor } = {},
  ) {
    this.origin = `relay:${base}`;
    this.sync = new RelaySync(base, this.host, {
      nodeId: node.nodeId,
      WebSocketImpl: opts.ws === false ? null : opts.WebSocketImpl,
    });
    this.admissions = new AdmissionWatch(
      {
        nodeId: node.nodeId,
        api: () => this.sync.api,
        liveInvites: () => node.store.hasLiveInvites(node.ctx.now()),
        v2Deps: () => node.v2Deps(),
        log: (l) => node.log(l),
      },
      Date.now,
    );
  }

  get lastError(): string {
    return this.sync.lastError;
  }

  start(): void {
    // new messages reach the relay through the node's fan-out (schedulePush), not through events
    this.unsub = this.node.subscribe((e) => {
      if (e.t === "circles") {
        // a new circle may sign; one that signs goes on signing (a relay that holds its key would refuse it unsigned)
        for (const [hint, s] of this.signers) if (!s) this.signers.delete(hint);
        this.sync.poke();
      }
    });
    this.sync.start();
  }

  stop(): void {
    this.unsub?.();
    this.admissions.stop();
    this.sync.goodbye();
    this.sync.stop();
  }

  /** the relay answers now: a live path to the members that use it (src/node/reach.ts) */
  get live(): boolean {
    return this.sync.connection === "live";
  }

  status(): RelayStatus {
    return { base: this.base, lastError: this.lastError, circles: this.sync.circleStates() };
  }

  /** A sealed typing notice out on the circle's WebSocket (only a felund relay carries it). */
  typing(circleId: string, blob: string): void {
    this.sync.typing(circleId, blob);
  }

  schedulePush(circleId: string): void {
    this.sync.pushSoon(circleId);
  }

  /** Pull a circle now (after joining it through this relay); resolves when the pull ends. */
  pullNow(circleId: string): Promise<void> {
    return this.sync.pullNow(circleId);
  }

  /** Open, verify and store envelopes of a circle from the relay, and fan them out. Returns the newly stored messages. */
  ingest(circleId: string, raws: unknown[]): StoredMessage[] {
    const env = this.envelopes(circleId);
    if (!env) return [];
    const n = this.node;
    const ctx = { store: n.store, calls: n.calls, self: n.keys, now: n.ctx.now() };
    const stored = env.open({ ctx, origin: this.origin, v1: V1, log: (l) => n.log(l) }, raws);
    n.stored(stored, { path: "relay" });
    return stored;
  }

  private envelopes(circleId: string): RelayEnvelopes | undefined {
    let e = this.envs.get(circleId);
    if (e) return e;
    const c = this.node.store.getCircle(circleId);
    if (!c) return undefined;
    e = new RelayEnvelopes(circleId, fromHex(c.secretHex));
    this.envs.set(circleId, e);
    return e;
  }

  private readonly host: RelayHost = {
    circles: () => this.node.store.listCircles().map((c) => ({ circleId: c.circleId, hint: circleHint(c.circleId) })),

    /** every message of the circle stored after the persisted cursor, oldest first */
    pending: (circleId, max) => {
      const store = this.node.store;
      const ck = `relay_push:${this.base}:${circleId}`;
      const rows = store.circleMessagesAfterSeq(circleId, Number(store.getSetting(ck) ?? 0), max);
      const circle = store.getCircle(circleId);
      const env = this.envelopes(circleId);
      if (!rows.length || !circle || !env) return null;
      const envelopes: unknown[] = [];
      // never back to where it came from: whoever put it on this relay pushed every form it has there
      for (const m of rows)
        if (m.origin !== this.origin) envelopes.push(...env.seal(store, circle, m, this.node.ctx.rng, V1));
      return {
        envelopes,
        ack: () => {
          store.setSetting(ck, String(rows[rows.length - 1]!.seq));
          this.node.held?.(
            rows.map((m) => m.msgId),
            RELAY_HOLDER,
          );
        },
      };
    },

    // kept as "cursor:N" or "since:T" under the keys of earlier versions, so upgraded nodes go on where they were
    cursor: (base, circleId): PullCursor => {
      const [kind, val] = (this.node.store.getSetting(`relay_pull:${base}:${circleId}`) ?? "since:0").split(":");
      return kind === "cursor" ? { cursor: val } : { since: Number(val) || 0 };
    },
    saveCursor: (base, circleId, c) =>
      this.node.store.setSetting(
        `relay_pull:${base}:${circleId}`,
        c.cursor !== undefined ? `cursor:${c.cursor}` : `since:${c.since ?? 0}`,
      ),

    ingest: (circleId, raws) => void this.ingest(circleId, raws),

    typing: (circleId, blob) => this.node.typing?.fromRelay(circleId, blob),

    peersSeen: (circleId, peers) => this.peersSeen(circleId, peers),

    presence: () => {
      const n = this.node;
      const host = advertisedHost(n.settings.bind);
      const family = host.includes(":") ? ("ipv6" as const) : ("ipv4" as const);
      return {
        endpoints: n.port ? [{ transport: "tcp" as const, host, port: n.port, family, nat: "unknown" as const }] : [],
        transport: "tcp",
      };
    },

    tick: () => {
      // a newer epoch may have come over TCP: open what was held for it
      for (const [id, e] of this.envs) if (e.ahead.size) this.ingest(id, []);
      this.admissions.poke();
    },

    // legacy circles sign their requests (the newer original relay requires it; others ignore it)
    signer: (hint) => {
      const known = this.signers.get(hint);
      if (known !== undefined) return known;
      const c = this.node.store.listCircles().find((x) => circleHint(x.circleId) === hint);
      const s =
        c && c.mode !== "v2"
          ? legacySigner(fromHex(c.secretHex), this.node.nodeId, () => Date.now() / 1000, this.node.ctx.rng)
          : null;
      this.signers.set(hint, s);
      return s;
    },

    // history pushes spend the circle's push allowance on relays that offer it (docs/PROTOCOL.md §25)
    pushSigner: (hint) => {
      const c = this.node.store.listCircles().find((x) => circleHint(x.circleId) === hint);
      if (!c) return null;
      const key = pushKey(fromHex(c.secretHex));
      return (body) => pushAllowance(key, hint, body, Math.floor(Date.now() / 1000));
    },

    log: (l) => this.node.log(l),
  };

  /** per circle: the relay's last presence list, and when it came (unix s) */
  private present = new Map<string, { at: number; peers: { nodeId: string; seen: number }[] }>();

  /** Members the relay listed as present in a circle, unless that list is older than a presence record lives. */
  presentIn(circleId: string): { nodeId: string; seen: number }[] {
    const p = this.present.get(circleId);
    return p && this.node.ctx.now() - p.at < RELAY_PRESENCE_TTL_S ? p.peers : [];
  }

  /** Remember who is present, and dial the members whose TCP endpoint the relay lists. */
  private peersSeen(circleId: string, peers: RelayPeer[]): void {
    const now = this.node.ctx.now();
    const list = peers.map((p) => ({
      nodeId: p.node_id,
      seen: typeof p.observed_at === "number" ? p.observed_at : now,
    }));
    this.present.set(circleId, { at: now, peers: list });
    this.node.presenceSeen?.(circleId);
    let added = 0;
    for (const p of peers) {
      const ep = (Array.isArray(p.endpoints) ? p.endpoints : []).find(
        (e) =>
          e?.transport === "tcp" &&
          typeof e.host === "string" &&
          e.host &&
          Number.isInteger(e.port) &&
          e.port > 0 &&
          e.port < 65536,
      );
      if (ep && this.node.addRelayPeer(circleId, p.node_id, formatHostPort(ep.host, ep.port))) added++;
    }
    if (added) this.node.syncSoon(circleId);
  }
}
