// The relay-only peer: a browser with no node behind it is its own felund v2 peer. Its
// Ed25519 key, circle secrets and history live in IndexedDB (persist.ts); what it writes is
// signed (composeText / composeEvent of src/sync/v2-apply.ts) and travels as v2 envelopes
// (docs/PROTOCOL.md §9) through the relay (relay-client.ts); what arrives is opened and
// verified by acceptSigned, as on a node. Circles it creates are v2-only, with felund2 codes
// it redeems itself through the relay's /v1/signal (admission.ts, §10.1), unless created as
// legacy-compatible: those also carry v1 envelopes (PROTOCOL-V1.md §4.4) and felund1 codes, so
// original web clients and nodes share them.
import type { Backend } from "../../../shared/backend.ts";
import type {
  AppState,
  BackendEvent,
  CallOp,
  CallSignalType,
  ConnectionState,
  MessageView,
  PeerView,
} from "../../../shared/types.ts";
import { fromHex, toHex } from "../../../../src/protocol/bytes.ts";
import { normalizeChannelId } from "../../../../src/protocol/channel-id.ts";
import { systemRng, type Rng } from "../../../../src/protocol/crypto.ts";
import { nodeKeysFromSeed, type NodeKeys } from "../../../../src/protocol/v2/keys.ts";
import { CallRegistry, callView } from "../../../../src/sync/call-registry.ts";
import { ensureGeneral, type StoredMessage } from "../../../../src/sync/store.ts";
import type { V2Ctx } from "../../../../src/sync/v2-apply.ts";
import type { V2Deps } from "../../../../src/sync/v2-exchange.ts";
import { type PeerCtx, requireCircle, v2Ctx } from "../../../../src/peer/ctx.ts";
import { sendMessage } from "../../../../src/peer/send.ts";
import { channelViews, messageView } from "../../../../src/peer/views.ts";
import type { FetchLike, RelayEndpoint } from "../../../../src/peer/relay/api.ts";
import type { WsCtor } from "../../../../src/peer/relay/sync.ts";
import { RelayClient } from "./relay-client.ts";
import type { RelayCalls } from "../calls/relay-calls.ts";
import type { RelayActions } from "./relay-actions.ts";
import { MemStore } from "./mem-store.ts";
import type { CircleRecord, MessageRecord, NodeRecord, Persistence } from "./persist.ts";

export interface RelayBackendOptions {
  /** the relay to use until the user sets another (default: the page's origin) */
  relayBase: string;
  persist: Persistence;
  fetch?: FetchLike;
  WebSocketImpl?: WsCtor;
  rng?: Rng;
  nowMs?: () => number;
  /** what presence announces (the page's host and port) */
  endpoint?: RelayEndpoint | null;
  /** poll interval while a WebSocket is down (the original's 5 s), and while all are up */
  pollMs?: number;
  idlePollMs?: number;
  reconnectMs?: number;
}

type Legacy = typeof import("./legacy.ts");
/** The Backend methods relay-actions.ts serves. */
const SERVED = [
  "createCircle",
  "joinCircle",
  "renameCircle",
  "inviteCode",
  "createChannel",
  "joinChannel",
  "leaveChannel",
  "listInvites",
  "revokeInvite",
  "kickMembers",
  "approveMember",
  "updateSettings",
] as const;

export class RelayBackend implements Backend {
  readonly kind = "relay" as const;
  private mem = new MemStore();
  private calls = new CallRegistry();
  /** the relay client (src/peer/relay/sync.ts under this browser's host) */
  relay!: RelayClient;
  private listeners = new Set<(e: BackendEvent) => void>();
  private state: ConnectionState = "connecting";
  private started = false;
  private node!: NodeRecord;
  private keys!: NodeKeys;
  /** what the peer's actions (src/peer) see of this browser */
  private peer!: PeerCtx;
  private writes: Promise<void> = Promise.resolve();
  /** things the user should be told once (identity migration), shown by the app after start */
  readonly notices: string[] = [];
  private readonly rng: Rng;
  private readonly nowMs: () => number;

  private constructor(private o: RelayBackendOptions) {
    this.rng = o.rng ?? systemRng;
    this.nowMs = o.nowMs ?? Date.now;
    // each served method: its body in the actions chunk, its name alone in the first load
    for (const k of SERVED)
      Object.assign(this, {
        [k]: async (...a: unknown[]) => ((await this.actions())[k] as (...a: unknown[]) => unknown)(...a),
      });
  }

  // ---- circle, channel and settings actions: relay-actions.ts, a chunk loaded on the first one ----
  declare readonly createCircle: RelayActions["createCircle"];
  declare readonly joinCircle: RelayActions["joinCircle"];
  declare readonly renameCircle: RelayActions["renameCircle"];
  declare readonly inviteCode: RelayActions["inviteCode"];
  declare readonly createChannel: RelayActions["createChannel"];
  declare readonly joinChannel: RelayActions["joinChannel"];
  declare readonly leaveChannel: RelayActions["leaveChannel"];
  declare readonly listInvites: RelayActions["listInvites"];
  declare readonly revokeInvite: RelayActions["revokeInvite"];
  declare readonly kickMembers: RelayActions["kickMembers"];
  declare readonly approveMember: RelayActions["approveMember"];
  declare readonly updateSettings: RelayActions["updateSettings"];

  static async open(o: RelayBackendOptions): Promise<RelayBackend> {
    const b = new RelayBackend(o);
    await b.load();
    return b;
  }

  private now = () => Math.floor(this.nowMs() / 1000);

  private async load() {
    const snap = await this.o.persist.load();
    const migrated = await this.loadIdentity(snap.node);
    this.peer = {
      store: this.mem,
      calls: this.calls,
      now: this.now,
      rng: this.rng,
      v2: true,
      keys: () => this.keys,
      me: () => this.node,
      invitePeer: () => this.relayBase(),
      peerIds: (id) => this.relay.peers(id).map((p) => p.nodeId),
      postV1: (c, ch, text) => this.v1!.postV1(this.peer, c, ch, text),
    };
    this.relay = new RelayClient(
      {
        ...this.o,
        mem: this.mem,
        rng: this.rng,
        nowMs: this.nowMs,
        nodeId: this.node.nodeId,
        v1: () => this.v1?.v1Envelopes ?? null,
        ctx: () => this.ctx(),
        v2Deps: () => this.v2Deps(),
        flush: () => this.flush(),
        rewrite: (ids) => {
          // behind any commit still queued (which may carry the same rows as not yet pushed)
          const rows = ids.map((id) => this.record(id)).filter((r): r is MessageRecord => !!r);
          return (this.writes = this.writes.catch(() => {}).then(() => this.o.persist.commit({ messages: rows })));
        },
        arrived: (rows) => {
          for (const r of rows) this.emit({ t: "message", message: this.view(r) });
        },
        peersSeen: (circleId) => this.emit({ t: "peers", circleId }),
        connectionChanged: (state) => {
          this.state = state;
          this.emit({ t: "connection", state });
        },
        debug: (l) => this.debug(l),
      },
      this.relayBase(),
    );
    for (const c of snap.circles) {
      this.mem.addCircle({
        circleId: c.circleId,
        secretHex: c.secretHex,
        name: c.name,
        owned: c.owned,
        bootstrap: "",
        mode: c.mode === "v2" ? "v2" : "v1",
        keyEpoch: c.keyEpoch ?? 0,
        joinedAt: c.joinedAt,
      });
      if (c.ownerKey) this.mem.setCircleOwner(c.circleId, c.ownerKey);
      this.relay.link(c.circleId);
      if (c.mode !== "v2") await this.legacy();
    }
    this.relay.cursors = snap.cursors;
    if (!snap.state && snap.messages.length) await this.legacy();
    const msgs = snap.messages.filter((m) => this.relay.links.has(m.circleId)).sort((a, b) => a.seq - b.seq);
    if (snap.state) {
      // the derived tables were saved with the messages: read back, nothing to re-apply
      this.mem.restore(snap.state);
      for (const m of msgs) {
        const { pushed, v2, ...row } = m;
        this.mem.loadRow(row, v2);
        if (pushed) this.relay.pushed.add(m.msgId);
      }
    } else if (msgs.length)
      // saved before v2 (v1 messages only): rebuilt by applying them again (the v1 code is loaded for it)
      for (const id of this.v1!.replayPreV2History(this.peer, msgs)) this.relay.pushed.add(id);
    this.mem.setDisplayName(this.node.nodeId, this.node.displayName, this.now());
    this.mem.pruneInvites(this.now() - 86400);
    for (const c of this.mem.listCircles()) ensureGeneral(this.mem, c.circleId, c.joinedAt);
    if (migrated) this.v1!.adoptPreV2Circles(this.peer);
    // first load after v2 (or after the migration): every message, circle and name was just
    // applied again, so this first write carries all of it in the new form
    return this.flush();
  }

  /** The Ed25519 identity (node_id = its key's id); an id from before v2 is replaced, once. */
  private async loadIdentity(n: NodeRecord | null): Promise<boolean> {
    const seed = n?.seed ? fromHex(n.seed) : this.rng(32);
    this.keys = nodeKeysFromSeed(seed);
    if (n?.seed) {
      this.node = { ...n, nodeId: this.keys.nodeId };
      return false;
    }
    const old = n?.nodeId;
    this.node = {
      nodeId: this.keys.nodeId,
      displayName: n?.displayName ?? "anon",
      relayBase: n?.relayBase ?? "",
      seed: toHex(seed),
      formerIds: old ? [...(n?.formerIds ?? []), old] : [],
    };
    await this.o.persist.saveNode(this.node);
    if (!old) return false;
    this.notices.push((await this.legacy()).preV2Notice(old, this.keys.nodeId));
    return true;
  }

  private relayBase(): string {
    return (this.node.relayBase || this.o.relayBase).replace(/\/+$/, "");
  }

  /**
   * The v1 code (legacy.ts), loaded before the first legacy circle is in the store: every
   * `this.v1!` below runs for such a circle only.
   */
  private v1: Legacy | null = null;
  private async legacy(): Promise<Legacy> {
    return (this.v1 ??= await import("./legacy.ts"));
  }

  private link(circleId: string) {
    return this.relay.link(circleId);
  }

  private circleRecords(): CircleRecord[] {
    return this.mem.listCircles().map((c) => ({
      circleId: c.circleId,
      secretHex: c.secretHex,
      name: c.name,
      owned: c.owned,
      joinedAt: c.joinedAt,
      mode: c.mode,
      keyEpoch: c.keyEpoch,
      ownerKey: this.mem.getCircleOwner(c.circleId),
    }));
  }

  private record(msgId: string): MessageRecord | null {
    const m = this.mem.getMessage(msgId);
    return m ? { ...m, pushed: this.relay.pushed.has(msgId), v2: this.mem.v2Cols(msgId) } : null;
  }

  /** Write what changed (messages, derived state, circles) in one transaction, in order. */
  private flush(): Promise<void> {
    const ch = this.mem.takeChanges();
    if (!ch.msgIds.length && !ch.state && !ch.circles) return this.writes;
    const commit = {
      messages: ch.msgIds.map((id) => this.record(id)).filter((r): r is MessageRecord => !!r),
      state: ch.state ? this.mem.dump() : undefined,
      circles: ch.circles ? this.circleRecords() : undefined,
    };
    this.writes = this.writes.catch(() => {}).then(() => this.o.persist.commit(commit));
    return this.writes;
  }

  private circle(circleId: string) {
    return requireCircle(this.peer, circleId);
  }

  private isMe(nodeId: string) {
    return nodeId === this.node.nodeId || !!this.node.formerIds?.includes(nodeId);
  }

  private view(m: StoredMessage): MessageView {
    return messageView(this.mem, m, (id) => this.isMe(id));
  }

  private ctx(): V2Ctx {
    return v2Ctx(this.peer);
  }

  /** deps of the v2 engine (admissions through the relay) */
  v2Deps(): V2Deps {
    return {
      store: this.mem,
      calls: this.calls,
      now: this.now,
      rng: this.rng,
      self: { keys: this.keys, listenAddr: null, isSelfAddr: () => false },
    };
  }

  // ---- Backend ----

  async getState(): Promise<AppState> {
    return {
      node: {
        nodeId: this.node.nodeId,
        displayName: this.node.displayName,
        relayBase: this.relayBase(),
        listenAddr: null,
      },
      circles: this.mem.listCircles().map((c) => ({
        circleId: c.circleId,
        name: c.name,
        owned: c.owned,
        members: this.relay.peers(c.circleId).length,
        messages: this.mem.countChatMessages(c.circleId),
        channels: channelViews(this.mem, c.circleId, this.node.nodeId),
      })),
      calls: [...this.calls.sessions.values()].map(callView),
    };
  }

  async listMessages(
    circleId: string,
    channelId: string,
    opts: { limit: number; before?: { sortTs: number; msgId: string } },
  ) {
    const c = this.circle(circleId);
    return this.mem
      .channelMessages(c.circleId, normalizeChannelId(channelId || "general"), opts)
      .map((m) => this.view(m));
  }

  async send(circleId: string, channelId: string, text: string): Promise<MessageView> {
    const row = sendMessage(this.peer, circleId, channelId, text);
    return this.view((await this.published(row.circleId, [row]))[0]!);
  }

  private acts: Promise<RelayActions> | null = null;
  private actions(): Promise<RelayActions> {
    return (this.acts ??= import("./relay-actions.ts").then(
      ({ RelayActions }) =>
        new RelayActions({
          peer: this.peer,
          mem: this.mem,
          fetch: this.o.fetch,
          nowMs: this.nowMs,
          node: () => this.node,
          saveNode: async (n) => {
            this.node = n;
            await this.o.persist.saveNode(n);
          },
          relayBase: () => this.relayBase(),
          relayMoved: () => this.relay.restart(this.relayBase()),
          link: (id) => void this.link(id),
          track: (id) => this.relay.track(id),
          v2Deps: () => this.v2Deps(),
          legacy: async () => void (await this.legacy()),
          published: (c, rows) => this.published(c, rows),
          flush: () => this.flush(),
          emit: (e) => this.emit(e),
          watchAdmissions: () => this.relay.watchAdmissions(),
          debug: (l) => this.debug(l),
        }),
    ));
  }

  /** Leaving a circle (relay-leave.ts, a chunk loaded then). */
  async leaveCircle(circleId: string) {
    const { leaveCircle } = await import("./relay-leave.ts");
    return leaveCircle(
      {
        mem: this.mem,
        persist: this.o.persist,
        relay: this.relay,
        circle: (id) => this.circle(id),
        flush: () => this.flush(),
        emit: (e) => this.emit(e),
      },
      circleId,
    );
  }

  /** No "peers" event from here: the chat store answers that event by calling listPeers (it would loop). */
  listPeers(circleId: string): Promise<PeerView[]> {
    return this.relay.refreshPeers(this.circle(circleId).circleId);
  }

  subscribe(fn: (e: BackendEvent) => void): () => void {
    this.listeners.add(fn);
    if (!this.started) {
      this.started = true;
      this.relay.start();
    }
    return () => this.listeners.delete(fn);
  }

  connection(): ConnectionState {
    return this.state;
  }

  /** "push" while every circle has its WebSocket, else "poll" (for the status line). */
  transport(): "push" | "poll" {
    return this.relay.sync.transport();
  }

  /** Leaving the page: drop our presence (best effort). */
  goodbye(): void {
    this.relay.sync.goodbye();
  }

  close(): void {
    void this.callNet?.then((c) => c.stop());
    this.relay.stop();
  }

  // ---- authoring (the peer's actions are in src/peer; relay-actions.ts lends them this browser) ----

  /** Messages written here: store durably, tell the UI, push to the relay. */
  private async published(circleId: string, rows: StoredMessage[]): Promise<StoredMessage[]> {
    await this.flush();
    for (const r of rows) this.emit({ t: "message", message: this.view(r) });
    if (rows.length && this.relay.links.has(circleId)) this.relay.sync.pushSoon(circleId);
    return rows;
  }

  private emit(e: BackendEvent) {
    for (const fn of this.listeners) fn(e);
  }

  // ---- calls (ui/web/src/calls/relay-calls.ts): events signed here, signals sealed here, carried by the relay's /v1/signal ----

  private callNet: Promise<RelayCalls> | null = null;
  /** loaded on the first call action (a chunk of its own) */
  private calling(): Promise<RelayCalls> {
    return (this.callNet ??= import("../calls/relay-calls.ts").then(
      ({ RelayCalls }) =>
        new RelayCalls({
          ctx: () => this.ctx(),
          rng: this.rng,
          nowMs: this.nowMs,
          displayName: () => this.node.displayName,
          api: () => this.relay.sync.api,
          postV1: (c, ch, text) => this.peer.postV1(c, ch, text),
          publish: async (c, rows) => void (await this.published(c, rows)),
          emit: (e) => this.emit(e),
          debug: (l) => this.debug(l),
        }),
    ));
  }
  async callAction(circleId: string, op: CallOp, a: { sessionId?: string; channel?: string }) {
    const id = this.circle(circleId).circleId;
    return (await this.calling()).action(id, op, a);
  }
  async callSignal(circleId: string, sessionId: string, to: string, type: CallSignalType, data: string) {
    const id = this.circle(circleId).circleId;
    return (await this.calling()).send(id, sessionId, to, type, data);
  }

  debug(line: string) {
    this.emit({ t: "debug", line });
  }
}
