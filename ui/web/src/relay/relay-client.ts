// The relay-only browser's side of the one relay client (src/peer/relay/sync.ts does the HTTP
// and WebSocket work, as for the node: src/node/relay-client.ts). Per circle: its envelopes
// (src/sync/relay-envelopes.ts), our own messages the relay has not acknowledged, the pull
// cursors of each relay (kept in persistence, so a relay switch goes on where it was), presence
// that names this page; incoming batches have their signatures checked by WebCrypto in
// parallel (preverify) before the v2 engine opens them, and are stored before the cursor moves.
// The owner's admissions go through src/peer/relay/admissions.ts.
import type { ConnectionState, PeerView } from "../../../shared/types.ts";
import { fromHex } from "../../../../src/protocol/bytes.ts";
import type { Rng } from "../../../../src/protocol/crypto.ts";
import { circleHint } from "../../../../src/protocol/ids.ts";
import { preverify } from "../../../../src/protocol/primitives.ts";
import { type Heard, noteHeard } from "../../../../src/peer/heard.ts";
import { AdmissionWatch } from "../../../../src/peer/relay/admissions.ts";
import type { FetchLike, PullCursor, RelayEndpoint, RelayPeer, RequestSigner } from "../../../../src/peer/relay/api.ts";
import { type PushBatch, type RelayHost, RelaySync, type WsCtor } from "../../../../src/peer/relay/sync.ts";
import { RelayEnvelopes, type V1Codec } from "../../../../src/sync/relay-envelopes.ts";
import { RELAY_HOLDER, type StoredMessage } from "../../../../src/sync/store.ts";
import { type DeliveryUpdate, noteHeld } from "../../../../src/peer/delivery.ts";
import type { V2Ctx } from "../../../../src/sync/v2-apply.ts";
import type { FillView } from "../../../../src/peer/fill-progress.ts";
import type { OlderHost } from "../../../../src/peer/relay/sync-types.ts";

import type { V2Deps } from "../../../../src/sync/v2-exchange.ts";
import type { MemStore } from "./mem-store.ts";
import type { Persistence } from "./persist.ts";

/** What the client needs of the browser peer (relay-backend.ts). */
export interface BrowserPeer {
  mem: MemStore;
  persist: Persistence;
  rng: Rng;
  nowMs: () => number;
  fetch?: FetchLike;
  /** null: no WebSocket, polling only; default: the runtime's */
  WebSocketImpl?: WsCtor | null;
  /** what presence announces (the page's host and port) */
  endpoint?: RelayEndpoint | null;
  pollMs?: number;
  idlePollMs?: number;
  reconnectMs?: number;
  nodeId: string;
  /** the v1 codec, once a legacy circle is here */
  v1(): V1Codec | null;
  /** the request signer of a legacy circle (PROTOCOL-V1.md §6.5), by relay hint: the legacy chunk's signerOf */
  v1Signer?(links: Map<string, Link>, hint: string): RequestSigner | null | undefined;
  ctx(): V2Ctx;
  v2Deps(): V2Deps;
  /** write what changed in the store */
  flush(): Promise<void>;
  /** write these message rows again (their pushed flag), after any commit still queued */
  rewrite(msgIds: string[]): Promise<void>;
  /** our own messages now held by the relay (delivery state) */
  delivered?(u: DeliveryUpdate[]): void;
  /** messages the relay brought, stored */
  arrived(rows: StoredMessage[]): void;
  /** older history filling in (newest first, relay-fill.ts): progress, and `done` once it is all here */
  filled?(f: FillView): void;
  /** older history stored: a timeline line or a channel may have come with it */
  changed?(circleId: string): void;
  /** load the rules and views of replies, reactions, edits and deletes (a chunk; once) */
  refs(): Promise<unknown>;
  /** load the effects of control events and the calls' registry (a chunk, control-soon.ts; once) */
  control?(): Promise<unknown>;
  peersSeen(circleId: string): void;
  /** a sealed typing notice from the relay (typing-soon.ts opens it) */
  typing?(circleId: string, blob: unknown): void;
  connectionChanged(state: ConnectionState): void;
  debug(line: string): void;
}

/** A circle's keys, relay hint and envelopes (and what is held for a newer epoch). */
export interface Link {
  secret: Uint8Array;
  hint: string;
  env: RelayEnvelopes;
}

export class RelayClient implements RelayHost {
  readonly sync: RelaySync;
  readonly links = new Map<string, Link>();
  /** our own messages the relay holds (also the store's holders: delivery state, src/peer/delivery.ts) */
  readonly pushed = new Set<string>();
  /** the relay holds these of our messages; tells the UI of each that was not known */
  markPushed(ids: string[]): void {
    const { mem, nodeId } = this.p;
    for (const id of ids) this.pushed.add(id);
    const u = noteHeld(mem, nodeId, ids, RELAY_HOLDER, 0);
    if (u.length) this.p.delivered?.(u);
  }
  /** pull cursors, keyed `relay|circle` */
  cursors: Record<string, PullCursor> = {};
  private peerCache = new Map<string, PeerView[]>();
  /** authors of fresh messages the relay brought, per circle (a sign of life, src/peer/heard.ts) */
  readonly heard: Heard = new Map();
  /** when each member was last online, per circle (the member list's memory) */
  readonly seen: Heard = new Map();
  private admissions: AdmissionWatch;
  private started = false;
  /** per circle: its older history filling in (relay-fill.ts) */
  readonly fills = new Map<string, FillView>();
  /** Newest first (docs/PROTOCOL.md §27): where a circle's older pages go on ("" when done), kept with the pull cursors */
  readonly older: OlderHost = {
    at: (base, id) => this.cursors[`older|${base}|${id}`]?.cursor ?? "",
    save: async (base, id, before) => {
      this.cursors[`older|${base}|${id}`] = { cursor: before };
      await this.p.persist.saveCursors(this.cursors);
      // (done: the progress shown goes; none shown, as for a circle whose newest page was all, loads nothing)
      if (!before && this.fills.has(id))
        (await import("./relay-fill.ts")).progress(this.p, this, id, 0, undefined, true);
    },
    ingest: async (id, raws, total, again) =>
      (await import("./relay-fill.ts")).ingestOlder(this.p, this, id, raws, total, again),
  };

  constructor(
    private p: BrowserPeer,
    base: string,
  ) {
    this.sync = new RelaySync(base, this, p);
    this.admissions = new AdmissionWatch(
      {
        nodeId: p.nodeId,
        api: () => this.sync.api,
        liveInvites: () => p.mem.hasLiveInvites(Math.floor(p.nowMs() / 1000)),
        v2Deps: () => p.v2Deps(),
        log: (l) => p.debug(l),
        polled: () => p.flush(),
        engineLoading: async () => p.control?.(),
      },
      p.nowMs,
    );
  }

  start(): void {
    this.started = true;
    this.sync.start();
  }

  stop(): void {
    this.admissions.stop();
    this.sync.stop();
  }

  /** Invites changed: answer joins while any is live. */
  watchAdmissions(): void {
    if (this.started) this.admissions.poke();
  }

  /** Another relay: presence moves there, pulls go on from its own cursors. */
  restart(base: string): void {
    this.sync.restart(base);
    this.admissions.reset();
  }

  link(circleId: string): Link {
    let l = this.links.get(circleId);
    if (!l) {
      const secret = fromHex(this.p.mem.getCircle(circleId)!.secretHex);
      l = { secret, hint: circleHint(circleId), env: new RelayEnvelopes(circleId, secret) };
      this.links.set(circleId, l);
    }
    return l;
  }

  /** A circle just entered the store: sync it now. */
  track(circleId: string): void {
    this.link(circleId);
    this.sync.poke();
  }

  peers(circleId: string): PeerView[] {
    return this.peerCache.get(circleId) ?? [];
  }

  /** Ask the relay who is there now (the last list if it does not answer). */
  async refreshPeers(circleId: string): Promise<PeerView[]> {
    try {
      await this.sync.registered(circleId);
      this.rememberPeers(circleId, await this.sync.api.peers(this.link(circleId).hint));
    } catch {
      /* keep the last list */
    }
    return this.peers(circleId);
  }

  // ---- RelayHost: what the loop asks of this peer ----

  signer(hint: string) {
    return this.p.v1Signer?.(this.links, hint);
  }

  circles() {
    return [...this.links].map(([circleId, l]) => ({ circleId, hint: l.hint }));
  }

  /** our own messages the relay has not acknowledged: a v2 envelope each, a v1 one too in legacy circles */
  pending(circleId: string, max: number): PushBatch | null {
    const { mem, nodeId, rng } = this.p;
    const c = mem.getCircle(circleId);
    const l = this.links.get(circleId);
    if (!c || !l) return null;
    const ids: string[] = [];
    const envelopes: unknown[] = [];
    for (const m of mem.ownUnpushed(circleId, nodeId, this.pushed)) {
      const envs = l.env.seal(mem, c, m, rng, this.p.v1());
      if (envelopes.length + envs.length > max && ids.length) break;
      ids.push(m.msgId);
      envelopes.push(...envs);
    }
    if (!ids.length) return null;
    return {
      envelopes,
      ack: () => {
        this.markPushed(ids);
        return this.p.rewrite(ids);
      },
    };
  }

  cursor(base: string, circleId: string): PullCursor {
    return this.cursors[`${base}|${circleId}`] ?? {};
  }

  saveCursor(base: string, circleId: string, c: PullCursor) {
    this.cursors[`${base}|${circleId}`] = c;
    return this.p.persist.saveCursors(this.cursors);
  }

  /** Check the new signatures in parallel by WebCrypto (~0.1 ms each instead of ~1.3 ms in JS), then open and store. */
  async ingest(circleId: string, raws: unknown[]) {
    const l = this.links.get(circleId);
    if (!l) return;
    const p = this.p;
    const checks = l.env.signatureChecks(p.mem, raws);
    // direct messages' rules are a chunk of their own, loaded before the first one is applied. A DM's
    // signed core names a "__dm_" channel: its channel_id starts at byte 48 (tag, version, the
    // 24-character circle_id, a length), and only "__control" and "__dm_…" start with "__", so "_?d"
    // is enough (another channel that matches only loads the rules early, which is harmless).
    if (checks.some((c) => c.msg[48] === 95 && c.msg[50] === 100))
      (await import("../../../../src/sync/dm.ts")).useDmRules();
    await preverify(checks);
    if (l.env.refs) await p.refs!(); // their rules before the engine meets them (ref-hook.ts)
    if (l.env.control) await p.control?.(); // and the effects of control events (control-soon.ts)
    if (!this.links.has(circleId)) return;
    const fresh = l.env.open({ ctx: p.ctx(), origin: "relay", v1: p.v1(), log: (x) => p.debug(x) }, raws);
    this.markPushed(fresh.filter((r) => r.authorNodeId === p.nodeId).map((r) => r.msgId));
    noteHeard(this.heard, fresh, Math.floor(p.nowMs() / 1000));
    await p.flush();
    p.arrived(fresh);
  }

  /** The relay's presence list: remembered, and announced to the UI. */
  peersSeen(circleId: string, list: RelayPeer[]) {
    this.rememberPeers(circleId, list);
    this.p.peersSeen(circleId);
  }

  presence() {
    return { endpoints: this.p.endpoint ? [this.p.endpoint] : [], transport: "ws" };
  }

  connectionChanged(state: ConnectionState) {
    this.p.connectionChanged(state);
  }

  typing(circleId: string, blob: unknown) {
    this.p.typing?.(circleId, blob);
  }

  tick() {
    this.watchAdmissions();
  }

  log(line: string) {
    this.p.debug(line);
  }

  private rememberPeers(circleId: string, list: RelayPeer[]) {
    const { mem } = this.p;
    const now = Math.floor(this.p.nowMs() / 1000);
    this.peerCache.set(
      circleId,
      list.map((p) => {
        const e = Array.isArray(p.endpoints) ? p.endpoints[0] : undefined;
        const seen = typeof p.observed_at === "number" ? p.observed_at : now;
        return {
          circleId,
          nodeId: p.node_id,
          name: mem.getDisplayName(p.node_id) ?? "",
          addr: e ? `${e.transport}://${e.host}:${e.port}` : "",
          lastSeen: seen,
          lastOk: seen,
          failures: 0,
          source: "relay",
          proto: mem.getMemberCard(circleId, p.node_id) ? "v2" : "relay",
        };
      }),
    );
  }
}
