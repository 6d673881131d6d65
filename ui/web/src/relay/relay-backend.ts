// The relay-only peer: a browser with no node behind it is its own felund v2 peer. Its
// Ed25519 key, circle secrets and history live in IndexedDB (persist.ts); what it writes is
// signed (composeText of src/sync/v2-apply.ts, composeEvent of v2-compose-event.ts) and travels as v2 envelopes
// (docs/PROTOCOL.md §9) through the relay (relay-client.ts); what arrives is opened and
// verified by acceptSigned, as on a node. Its circles are v2-only (felund2 codes redeemed through
// the relay's /v1/signal: admission.ts, §10.1) unless created legacy-compatible: those also carry
// v1 envelopes (PROTOCOL-V1.md §4.4) and felund1 codes, so original web clients and nodes share them.
import type { Backend } from "../../../shared/backend.ts";
import { isDm } from "../../../shared/chat-store.ts";
import type {
  AppState,
  BackendEvent,
  CallOp,
  CallSignalType,
  ConnectionState,
  MemberView,
  MessageView,
  PeerView,
} from "../../../shared/types.ts";
import { normalizeChannelId } from "../../../../src/protocol/channel-id.ts";
import { systemRng, type Rng } from "../../../../src/protocol/crypto.ts";
import { edReady, edStats } from "../../../../src/protocol/primitives.ts";
import type { NodeKeys } from "../../../../src/protocol/v2/keys.ts";
import type { StoredMessage } from "../../../../src/sync/store.ts";
import type { V2Deps } from "../../../../src/sync/v2-exchange.ts";
import { type PeerCtx, requireCircle, v2Ctx } from "../../../../src/peer/ctx.ts";
import { sendMessage } from "../../../../src/peer/send.ts";
import { channelViews, messageView } from "../../../../src/peer/views.ts";
import { channelLog, circleTimeline } from "../../../../src/peer/timeline.ts";
import { typingSoon } from "./typing-soon.ts";
import { memberList } from "../../../../src/peer/member-list.ts";
import { RelayClient } from "./relay-client.ts";
import type { RelayCalls } from "../calls/relay-calls.ts";
import type { RelayActions } from "./relay-actions.ts";
import { callsSoon } from "./control-soon.ts";
import { loadSealed } from "./sealed-soon.ts";
import { MemStore } from "./mem-store.ts";
import type { NodeRecord } from "./persist.ts";
import { type RelayBackendOptions, SERVED } from "./relay-backend-shape.ts";
import { type Journal, journal, type Legacy, loadIdentity, restore } from "./saved.ts";

export type { RelayBackendOptions };

/** circle, channel and settings actions: relay-actions.ts, a chunk loaded on the first one (bound in the constructor) */
export interface RelayBackend extends Pick<RelayActions, (typeof SERVED)[number]> {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the constructor assigns every SERVED method
export class RelayBackend implements Backend {
  readonly kind = "relay" as const;
  private mem = new MemStore();
  /** the calls (an empty stand-in until control events' effects load: control-soon.ts) */
  private cs = callsSoon();
  /** the effects of control events and the calls' registry, loaded before the engine meets one */
  control = () => this.cs.load();
  /** the relay client (src/peer/relay/sync.ts under this browser's host) */
  relay!: RelayClient;
  private listeners = new Set<(e: BackendEvent) => void>();
  private state: ConnectionState = "connecting";
  private started = false;
  private node!: NodeRecord;
  private keys!: NodeKeys;
  /** what the peer's actions (src/peer) see of this browser */
  private peer!: PeerCtx;
  /** write what changed in the store (saved.ts) */
  private flush!: Journal["flush"];
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

  static async open(o: RelayBackendOptions): Promise<RelayBackend> {
    edStats.onUnready = (e) => console.error(e); // (a path that signs before edReady(): a bug, shown)
    const b = new RelayBackend(o);
    await b.load();
    return b;
  }

  private now = () => Math.floor(this.nowMs() / 1000);

  private async load() {
    const { o, mem } = this;
    const snap = await o.persist.load();
    const id = await loadIdentity(o.persist, this.rng, snap.node);
    this.node = id.node;
    this.keys = id.keys;
    if (id.old) this.notices.push((await this.legacy()).preV2Notice(id.old, id.keys.nodeId));
    const { cs } = this;
    this.peer = {
      store: mem,
      get calls() {
        return cs.calls;
      },
      now: this.now,
      nowMs: this.nowMs,
      rng: this.rng,
      v2: true,
      keys: () => this.keys,
      me: () => this.node,
      invitePeer: () => this.relayBase(),
      peerIds: (id) => this.relay.peers(id).map((p) => p.nodeId),
      postV1: (c, ch, text) => this.v1!.postV1(this.peer, c, ch, text),
    };
    const j = journal(mem, o.persist, (m) => this.relay.pushed.has(m));
    this.flush = j.flush;
    this.relay = new RelayClient(
      {
        ...o,
        ...j,
        mem,
        rng: this.rng,
        nowMs: this.nowMs,
        nodeId: this.node.nodeId,
        v1: () => this.v1?.v1Envelopes ?? null,
        v1Signer: (links, h) => this.v1?.signerOf(links, h, mem, this.node.nodeId, this.nowMs, this.rng),
        ctx: () => v2Ctx(this.peer),
        v2Deps: () => this.v2Deps(),
        refs: this.refs,
        control: this.control,
        arrived: (rows) => {
          this.typer.stored(rows);
          for (const r of rows) this.emit({ t: "message", message: this.view(r) });
        },
        filled: (f) => this.emit({ t: "fill", ...f }),
        changed: () => this.emit({ t: "circles" }),
        typing: (c, blob) => this.typer.fromRelay(c, blob),
        delivered: (us) => {
          for (const u of us) this.emit({ t: "delivery", ...u });
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
    await restore({ mem, relay: this.relay, peer: this.peer, legacy: this.legacy }, snap, !!id.old);
    if (snap.messages.some((m) => m.kind! >= 3 && m.kind! <= 6)) await this.refs();
    if (mem.hasChannelKeys()) await loadSealed(); // keys of access-controlled channels held: their code too
    // first load after v2 (or after the migration): every message, circle and name was just
    // applied again, so this first write carries all of it in the new form
    return this.flush();
  }

  private relayBase(): string {
    return (this.node.relayBase || this.o.relayBase).replace(/\/+$/, "");
  }

  /**
   * The v1 code (legacy.ts), loaded before the first legacy circle is in the store: every
   * `this.v1!` below runs for such a circle only.
   */
  private v1: Legacy | null = null;
  private legacy = async (): Promise<Legacy> =>
    (this.v1 ??= (await Promise.all([import("./legacy.ts"), this.control()]))[0]);

  /** a message as the UI shows it: ours also when written under an id from before v2 */
  private view(
    m: StoredMessage,
    events = m.channelId === "__control" ? circleTimeline(this.mem, m.circleId) : undefined,
  ): MessageView {
    return messageView(this.mem, m, (id) => id === this.node.nodeId || !!this.node.formerIds?.includes(id), events);
  }

  /** Replies, reactions, edits, deletes: their rules and views (relay-actions.ts) load before the first is stored */
  refs = async () => (await this.actions()).loadRefs();
  /** deps of the v2 engine (admissions through the relay) */
  v2Deps(): V2Deps {
    return {
      store: this.mem,
      calls: this.cs.calls,
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
        legacy: c.mode !== "v2",
        members: this.relay.peers(c.circleId).length,
        messages: this.mem.countChatMessages(c.circleId),
        channels: channelViews(this.mem, c.circleId, this.node.nodeId),
        fill: this.relay.fills.get(c.circleId),
      })),
      calls: this.cs.views(),
    };
  }

  async listMessages(
    circleId: string,
    channelId: string,
    opts: { limit: number; before?: { sortMs: number; seq: number } },
  ) {
    const c = requireCircle(this.peer, circleId);
    const ch = normalizeChannelId(channelId || "general");
    // the timeline's lines (joins, renames, …) are part of the page: the timeline module is in the first load
    const log = channelLog(this.mem, c.circleId, ch, opts);
    return log.messages.map((m) => this.view(m, log.events));
  }

  async send(circleId: string, channelId: string, text: string): Promise<MessageView> {
    // a direct message (its channel is "__dm_…"): the actions chunk seals it (src/peer/dm.ts)
    const row = isDm(channelId)
      ? (await this.actions()).sendDm(circleId, channelId, text)
      : (await edReady(), sendMessage(this.peer, circleId, channelId, text));
    return this.view((await this.published(row.circleId, [row]))[0]!);
  }

  /** typing indicators through the relay (a chunk: typing-soon.ts) */
  private typer = typingSoon(() => ({ ...this, store: this.mem, sync: this.relay.sync, emit: (e) => this.emit(e) }));
  typing = (circleId: string, chan: string) => this.typer.local(requireCircle(this.peer, circleId).circleId, chan);

  private acts: Promise<RelayActions> | null = null;
  private actions(): Promise<RelayActions> {
    // (actions sign control events, and a join applies the circle's: their effects load with them)
    return (this.acts ??= Promise.all([import("./relay-actions.ts"), this.control()]).then(
      ([{ RelayActions }]) =>
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
          relay: this.relay,
          v2Deps: () => this.v2Deps(),
          legacy: this.legacy,
          published: (c, rows) => this.published(c, rows),
          flush: this.flush,
          emit: (e) => this.emit(e),
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
        circle: (id) => requireCircle(this.peer, id),
        flush: this.flush,
        emit: (e) => this.emit(e),
      },
      circleId,
    );
  }

  /** The circle's members (src/peer/member-list.ts; the status line counts them at start), with the relay's presence asked now. */
  async listMembers(circleId: string): Promise<MemberView[]> {
    const id = requireCircle(this.peer, circleId).circleId;
    const peers = await this.relay.refreshPeers(id);
    const relay = peers.map((p) => ({ nodeId: p.nodeId, seen: p.lastSeen }));
    const { heard, seen } = this.relay;
    if (!seen.has(id)) seen.set(id, new Map());
    return memberList(this.mem, id, this.node, {
      now: this.now(),
      live: [],
      relay,
      heard: heard.get(id) ?? new Map(),
      seen: seen.get(id),
    });
  }

  /** No "peers" event from here: the chat store answers that event by calling listPeers (it would loop). */
  listPeers(circleId: string): Promise<PeerView[]> {
    return this.relay.refreshPeers(requireCircle(this.peer, circleId).circleId);
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
    return (this.callNet ??= Promise.all([import("../calls/relay-calls.ts"), this.control()]).then(
      ([{ RelayCalls }]) =>
        new RelayCalls({
          ctx: () => v2Ctx(this.peer),
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
  async callAction(circleId: string, op: CallOp, a: { sessionId?: string; channel?: string; target?: string }) {
    const id = requireCircle(this.peer, circleId).circleId;
    return (await this.calling()).action(id, op, a);
  }
  async callSignal(circleId: string, sessionId: string, to: string, type: CallSignalType, data: string) {
    const id = requireCircle(this.peer, circleId).circleId;
    return (await this.calling()).send(id, sessionId, to, type, data);
  }

  debug(line: string) {
    this.emit({ t: "debug", line });
  }
}
