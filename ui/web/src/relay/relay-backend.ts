// The relay-only peer: a browser with no node behind it is its own felund v2 peer. Its
// Ed25519 key, circle secrets and history live in IndexedDB (persist.ts); what it writes is
// signed (composeText / composeEvent of src/sync/v2-apply.ts) and travels as v2 envelopes
// (docs/PROTOCOL.md §9) through the relay (relay-sync.ts); what arrives is opened and
// verified by acceptSigned, as on a node. Circles it creates are v2-only, with felund2 codes
// it redeems itself through the relay's /v1/signal (admission.ts, §10.1), unless created as
// legacy-compatible: those also carry v1 envelopes (reference §4.4) and felund1 codes, so
// original web clients and nodes share them.
import { BackendError, type Backend } from "../../../shared/backend.ts";
import type { AccessMode, AppState, BackendEvent, CallOp, CallSignalType, ChannelView, ConnectionState, MessageView, PeerView } from "../../../shared/types.ts";
import { fromBase64, fromHex, toHex, utf8Length } from "../../../../src/protocol/bytes.ts";
import { isValidChannelId, normalizeChannelId } from "../../../../src/protocol/channel-id.ts";
import { channelApproveText, channelCreateText, channelKeyHash, channelMemberText, circleNameText, renameText } from "../../../../src/protocol/control.ts";
import { systemRng, type Rng } from "../../../../src/protocol/crypto.ts";
import { messageKey, openEnvelope, sealEnvelope } from "../../../../src/protocol/envelope.ts";
import { isRelayUrl } from "../../../../src/protocol/hostport.ts";
import { circleHint, circleIdFromSecret, newMsgId, newSecretHex } from "../../../../src/protocol/ids.ts";
import { decodeInvite, encodeInvite } from "../../../../src/protocol/invite.ts";
import { CIRCLE_NAME_MAX, DISPLAY_NAME_MAX, MAX_TEXT_BYTES, V2_INVITE_TTL_DEFAULT_S, V2_RELAY_ADMISSION_BUSY_POLL_MS, V2_RELAY_ADMISSION_POLL_MS } from "../../../../src/protocol/limits.ts";
import { computeMac, CONTROL_CHANNEL } from "../../../../src/protocol/message.ts";
import type { Verdict } from "../../../../src/protocol/verdict.ts";
import { envelopeEpoch, isEnvelopeV2, openEnvelopeV2, sealEnvelopeV2 } from "../../../../src/protocol/v2/envelope.ts";
import { decodeInvite2, INVITE2_PREFIX } from "../../../../src/protocol/v2/invite.ts";
import { nodeKeysFromSeed, type NodeKeys } from "../../../../src/protocol/v2/keys.ts";
import { makeCardMessage } from "../../../../src/protocol/v2/member-card.ts";
import { decodeMessage } from "../../../../src/protocol/v2/message.ts";
import { CallRegistry, callView, ensureGeneral } from "../../../../src/sync/control-apply.ts";
import { storeVerified } from "../../../../src/sync/merge.ts";
import type { CircleRow, StoredMessage } from "../../../../src/sync/store.ts";
import * as admin from "../../../../src/sync/v2-admin.ts";
import { acceptSigned, composeEvent, composeText, epochKey, isLegacy, type V2Ctx } from "../../../../src/sync/v2-apply.ts";
import type { V2Deps } from "../../../../src/sync/v2-exchange.ts";
import type { Admissions } from "./admission.ts";
import type { RelayCalls } from "../calls/relay-calls.ts";
import { MemStore } from "./mem-store.ts";
import type { CircleRecord, MessageRecord, NodeRecord, Persistence, PullCursor } from "./persist.ts";
import { RelayApi, type FetchLike, type RelayEndpoint, type RelayPeer } from "./relay-api.ts";
import { RelaySync, type SyncHost } from "./relay-sync.ts";

export interface RelayBackendOptions {
  /** the relay to use until the user sets another (default: the page's origin) */
  relayBase: string;
  persist: Persistence;
  fetch?: FetchLike;
  WebSocketImpl?: typeof WebSocket;
  rng?: Rng;
  nowMs?: () => number;
  /** what presence announces (the page's host and port) */
  endpoint?: RelayEndpoint | null;
  /** poll interval while a WebSocket is down (the original's 5 s), and while all are up */
  pollMs?: number;
  idlePollMs?: number;
  reconnectMs?: number;
}

interface Link { secret: Uint8Array; key: Uint8Array; hint: string }
/** envelopes kept per circle while waiting for a newer epoch's key */
const AHEAD_MAX = 500;
type Done = Verdict<{ row: StoredMessage }>;

export class RelayBackend implements Backend, SyncHost {
  readonly kind = "relay" as const;
  private mem = new MemStore();
  private calls = new CallRegistry();
  private links = new Map<string, Link>();
  private pushed = new Set<string>();
  private cursors: Record<string, PullCursor> = {};
  private peerCache = new Map<string, PeerView[]>();
  private listeners = new Set<(e: BackendEvent) => void>();
  private state: ConnectionState = "connecting";
  private started = false;
  private closed = false;
  private sync!: RelaySync;
  private node!: NodeRecord;
  private keys!: NodeKeys;
  private writes: Promise<void> = Promise.resolve();
  private admissions: Admissions | null = null;
  private admitTimer: ReturnType<typeof setTimeout> | null = null;
  /** the last default felund2 code per circle (this page's life), so reopening the invite dialog issues no new invite */
  private lastCodes = new Map<string, { code: string; inviteId: string; expiresTs: number; relay: string; name: string }>();
  /** v2 envelopes of an epoch we do not hold yet, per circle (retried when the epoch rises) */
  private ahead = new Map<string, unknown[]>();
  /** things the user should be told once (identity migration), shown by the app after start */
  readonly notices: string[] = [];
  private readonly rng: Rng;
  private readonly nowMs: () => number;

  private constructor(private o: RelayBackendOptions) {
    this.rng = o.rng ?? systemRng;
    this.nowMs = o.nowMs ?? Date.now;
  }

  static async open(o: RelayBackendOptions): Promise<RelayBackend> {
    const b = new RelayBackend(o);
    await b.load();
    return b;
  }

  private now = () => Math.floor(this.nowMs() / 1000);

  private async load() {
    const snap = await this.o.persist.load();
    const migrated = await this.loadIdentity(snap.node);
    this.sync = new RelaySync(this.relayBase(), this, { ...this.o, nodeId: this.node.nodeId });
    for (const c of snap.circles) {
      this.mem.addCircle({
        circleId: c.circleId, secretHex: c.secretHex, name: c.name, owned: c.owned, bootstrap: "",
        mode: c.mode === "v2" ? "v2" : "v1", keyEpoch: c.keyEpoch ?? 0, joinedAt: c.joinedAt,
      });
      if (c.ownerKey) this.mem.setCircleOwner(c.circleId, c.ownerKey);
      this.link(c.circleId);
    }
    this.cursors = snap.cursors;
    const msgs = snap.messages.filter((m) => this.links.has(m.circleId)).sort((a, b) => a.seq - b.seq);
    if (snap.state) {
      // the derived tables were saved with the messages: read back, nothing to re-apply
      this.mem.restore(snap.state);
      for (const m of msgs) {
        const { pushed, v2, ...row } = m;
        this.mem.loadRow(row, v2);
        if (pushed) this.pushed.add(m.msgId);
      }
    } else {
      // saved before v2 (v1 messages only): rebuild channels and names by applying them again
      const now = this.now();
      for (const m of msgs) {
        const { seq: _s, sortTs: _t, origin, receivedAt: _r, pushed, v2: _v, signed: _g, ...msg } = m;
        storeVerified(this.mem, this.calls, msg, origin, now);
        if (pushed) this.pushed.add(m.msgId);
      }
    }
    this.mem.setDisplayName(this.node.nodeId, this.node.displayName, this.now());
    this.mem.pruneInvites(this.now() - 86400);
    for (const c of this.mem.listCircles()) ensureGeneral(this.mem, c.circleId, c.joinedAt);
    if (migrated) {
      // circles from before v2: this browser owns the ones it created; every circle learns its key
      const own = toHex(this.keys.edPublic);
      for (const c of this.mem.listCircles()) {
        if (c.owned && !this.mem.getCircleOwner(c.circleId)) this.mem.setCircleOwner(c.circleId, own);
        this.publishCard(c.circleId);
      }
    }
    if (snap.state && !migrated) return this.flush();
    // first load after v2 (or after the migration): write everything in the new form once
    this.mem.takeChanges();
    await this.o.persist.commit({ messages: this.allRecords(), state: this.mem.dump(), circles: this.circleRecords() });
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
    this.node = { nodeId: this.keys.nodeId, displayName: n?.displayName ?? "anon", relayBase: n?.relayBase ?? "", seed: toHex(seed), formerIds: old ? [...(n?.formerIds ?? []), old] : [] };
    await this.o.persist.saveNode(this.node);
    if (!old) return false;
    this.notices.push(`This browser now signs what it writes (felund v2): its node id changed from ${old.slice(0, 8)}… to ${this.keys.nodeId.slice(0, 8)}…. Your circles and history are kept.`);
    return true;
  }

  private relayBase(): string {
    return (this.node.relayBase || this.o.relayBase).replace(/\/+$/, "");
  }

  private link(circleId: string): Link {
    let l = this.links.get(circleId);
    if (!l) {
      const secret = fromHex(this.mem.getCircle(circleId)!.secretHex);
      l = { secret, key: messageKey(secret), hint: circleHint(circleId) };
      this.links.set(circleId, l);
    }
    return l;
  }

  private circleRecords(): CircleRecord[] {
    return this.mem.listCircles().map((c) => ({
      circleId: c.circleId, secretHex: c.secretHex, name: c.name, owned: c.owned, joinedAt: c.joinedAt,
      mode: c.mode, keyEpoch: c.keyEpoch, ownerKey: this.mem.getCircleOwner(c.circleId),
    }));
  }

  private record(msgId: string): MessageRecord | null {
    const m = this.mem.getMessage(msgId);
    return m ? { ...m, pushed: this.pushed.has(msgId), v2: this.mem.v2Cols(msgId) } : null;
  }

  private allRecords(): MessageRecord[] {
    return this.mem.listCircles().flatMap((c) => this.mem.offerIds(c.circleId, {})).map((id) => this.record(id)!).filter(Boolean);
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
    const c = this.mem.getCircle(circleId) ?? this.mem.listCircles().find((x) => circleId.length >= 4 && x.circleId.startsWith(circleId));
    if (!c) throw new BackendError(`unknown circle: ${circleId}`, 404);
    return c;
  }

  private isMe(nodeId: string) {
    return nodeId === this.node.nodeId || !!this.node.formerIds?.includes(nodeId);
  }

  private view(m: StoredMessage): MessageView {
    return {
      seq: m.seq, msgId: m.msgId, circleId: m.circleId, channelId: m.channelId, authorNodeId: m.authorNodeId,
      author: this.mem.getDisplayName(m.authorNodeId) || m.displayName || m.authorNodeId.slice(0, 8),
      displayName: m.displayName, createdTs: m.createdTs, sortTs: m.sortTs, text: m.text,
      // signed by its author (v2), or only circle-authenticated (a v1 MAC, or a v1 envelope that opened)
      verified: m.signed ? "sig" : m.mac ? "mac" : "none", own: this.isMe(m.authorNodeId),
    };
  }

  private channels(circleId: string): ChannelView[] {
    const me = this.node.nodeId;
    return this.mem.listChannels(circleId).map((ch) => {
      const members = this.mem.channelMembers(circleId, ch.channelId);
      return {
        channelId: ch.channelId, accessMode: ch.accessMode, createdBy: ch.createdBy, createdTs: ch.createdTs,
        members: members.filter((m) => m.state === "member").map((m) => m.nodeId),
        requests: members.filter((m) => m.state === "requested").map((m) => m.nodeId),
        joined: ch.accessMode === "public" || ch.createdBy === me || members.some((m) => m.nodeId === me && m.state === "member"),
      };
    });
  }

  private ctx(): V2Ctx {
    return { store: this.mem, calls: this.calls, self: this.keys, now: this.now() };
  }

  private who() {
    return { displayName: this.node.displayName, now: this.now(), rng: this.rng };
  }

  /** deps of the v2 engine (admissions through the relay) */
  v2Deps(): V2Deps {
    return { store: this.mem, calls: this.calls, now: this.now, rng: this.rng, self: { keys: this.keys, listenAddr: null, isSelfAddr: () => false } };
  }

  // ---- Backend ----

  async getState(): Promise<AppState> {
    return {
      node: { nodeId: this.node.nodeId, displayName: this.node.displayName, relayBase: this.relayBase(), listenAddr: null },
      circles: this.mem.listCircles().map((c) => ({
        circleId: c.circleId, name: c.name, owned: c.owned, members: this.peerCache.get(c.circleId)?.length ?? 0,
        messages: this.mem.countMessages(c.circleId), channels: this.channels(c.circleId),
      })),
      calls: [...this.calls.sessions.values()].map(callView),
    };
  }

  async listMessages(circleId: string, channelId: string, opts: { limit: number; before?: { sortTs: number; msgId: string } }) {
    const c = this.circle(circleId);
    return this.mem.channelMessages(c.circleId, normalizeChannelId(channelId || "general"), opts.limit, opts.before).map((m) => this.view(m));
  }

  async send(circleId: string, channelId: string, text: string): Promise<MessageView> {
    const c = this.circle(circleId);
    const ch = normalizeChannelId(channelId || "general");
    if (!text.trim()) throw new BackendError("message is empty");
    if (utf8Length(text) > MAX_TEXT_BYTES) throw new BackendError(`message too long (max ${MAX_TEXT_BYTES} bytes)`, 413);
    if (!this.mem.getChannel(c.circleId, ch)) throw new BackendError(`unknown channel: #${ch} (create it first)`, 404);
    // signed by this browser's key; in a legacy circle it also carries its v1 MAC for original clients
    const r = composeText(this.ctx(), { circleId: c.circleId, channelId: ch, displayName: this.node.displayName, now: this.now(), rng: this.rng, text });
    if (!r.ok && r.reason === "no key for this channel") throw new BackendError(`you cannot write in #${ch} yet: join it with its key, or wait for the owner's approval`, 403);
    return this.view((await this.published(c.circleId, [this.done(r)]))[0]!);
  }

  async createCircle(name: string, opts: { legacy?: boolean } = {}) {
    const secretHex = newSecretHex(this.rng);
    const circleId = circleIdFromSecret(secretHex);
    const now = this.now();
    const legacy = !!opts.legacy;
    this.mem.addCircle({ circleId, secretHex, name: "", owned: true, bootstrap: "", mode: legacy ? "v1" : "v2", keyEpoch: 0, joinedAt: now });
    this.mem.setCircleOwner(circleId, toHex(this.keys.edPublic));
    this.link(circleId);
    ensureGeneral(this.mem, circleId, now);
    const rows = [this.publishCard(circleId)];
    const n = name.trim().slice(0, CIRCLE_NAME_MAX);
    if (n) rows.push(legacy ? this.postV1(circleId, CONTROL_CHANNEL, circleNameText(circleId, n))
      : this.done(composeEvent(this.ctx(), { circleId, ...this.who(), event: { t: "circle_name", name: n } })));
    await this.published(circleId, rows.filter((r): r is StoredMessage => !!r));
    this.sync.addCircle(circleId, this.link(circleId).hint);
    this.emit({ t: "circles" });
    return { circleId, code: await this.inviteCode(circleId) };
  }

  async joinCircle(code: string) {
    const t = code.trim();
    if (t.startsWith(INVITE2_PREFIX)) return this.joinV2(t);
    const v = decodeInvite(t);
    if (!v.ok) throw new BackendError(`invalid invite code: ${v.reason}`);
    const circleId = circleIdFromSecret(v.value.secretHex);
    if (this.mem.addCircle({ circleId, secretHex: v.value.secretHex, name: "", owned: false, bootstrap: "", mode: "v1", keyEpoch: 0, joinedAt: this.now() }))
      await this.joined(circleId);
    return { circleId };
  }

  /**
   * Redeem a felund2 code: the join handshake with the owner runs through a relay's /v1/signal
   * (the code's relay; a code naming a host:port tries our own relay, where the owner's node may
   * also listen). The owner checks expiry and use limit and answers with the circle (ADMIT).
   */
  private async joinV2(code: string) {
    const v = decodeInvite2(code, this.now());
    if (!v.ok) throw new BackendError(`invalid invite code: ${v.reason}`);
    const inv = v.value;
    if (this.mem.getCircle(inv.circleId)) return { circleId: inv.circleId };
    const base = isRelayUrl(inv.peer) ? inv.peer.replace(/\/+$/, "") : this.relayBase();
    const { joinThroughRelay } = await import("./admission.ts");
    const r = await joinThroughRelay(new RelayApi(base, this.node.nodeId, this.o.fetch), this.v2Deps(), inv, this.nowMs);
    if (!r.ok) {
      if (!isRelayUrl(inv.peer) && /did not answer/.test(r.reason))
        throw new BackendError(`this code names ${inv.peer}, which a browser cannot reach, and its owner did not answer through ${base} either (their node needs a relay)`, 503);
      throw new BackendError(`the inviter did not admit us: ${r.reason}`, /did not answer|relay/.test(r.reason) ? 503 : 403);
    }
    if (this.mem.getCircle(inv.circleId)) return { circleId: inv.circleId };
    const circleId = admin.applyAdmit(this.mem, r.value, this.now());
    if (base !== this.relayBase()) this.debug(`joined through ${base}; this browser syncs through ${this.relayBase()}`);
    await this.joined(circleId);
    return { circleId };
  }

  private async joined(circleId: string) {
    this.link(circleId);
    ensureGeneral(this.mem, circleId, this.now());
    const card = this.publishCard(circleId);
    await this.published(circleId, card ? [card] : []);
    this.sync.addCircle(circleId, this.link(circleId).hint);
    this.emit({ t: "circles" });
  }

  async leaveCircle(circleId: string) {
    const c = this.circle(circleId);
    this.sync.removeCircle(c.circleId, this.link(c.circleId).hint);
    this.mem.removeCircle(c.circleId);
    this.links.delete(c.circleId);
    this.ahead.delete(c.circleId);
    for (const key of Object.keys(this.cursors)) if (key.endsWith("|" + c.circleId)) delete this.cursors[key];
    await this.flush();
    await this.o.persist.deleteCircle(c.circleId);
    await this.o.persist.saveCursors(this.cursors);
    this.emit({ t: "circles" });
  }

  async renameCircle(circleId: string, name: string) {
    const c = this.circle(circleId);
    if (!c.owned) throw new BackendError("only the circle's owner can rename it", 403);
    const n = name.trim().slice(0, CIRCLE_NAME_MAX);
    if (!n) throw new BackendError("circle name is empty");
    const row = isLegacy(c) ? this.postV1(c.circleId, CONTROL_CHANNEL, circleNameText(c.circleId, n))
      : this.done(composeEvent(this.ctx(), { circleId: c.circleId, ...this.who(), event: { t: "circle_name", name: n } }), 403);
    await this.published(c.circleId, [row]);
  }

  /**
   * A felund2 code (owner only) whose peer is this browser's relay: joiners reach us through it
   * (expiry and use limit enforced here). Legacy circles keep their felund1 code.
   */
  async inviteCode(circleId: string, opts: { ttlS?: number; maxUses?: number } = {}) {
    const c = this.circle(circleId);
    if (isLegacy(c)) return encodeInvite(c.secretHex, this.relayBase());
    // the invite dialog asks each time it opens: the same default code while it has most of its life left
    const plain = opts.ttlS === undefined && opts.maxUses === undefined;
    const last = this.lastCodes.get(c.circleId);
    if (plain && last && last.relay === this.relayBase() && last.name === c.name && last.expiresTs - this.now() > V2_INVITE_TTL_DEFAULT_S / 2 && this.mem.getInvite(last.inviteId))
      return last.code;
    const r = admin.issueInvite(this.ctx(), c.circleId, { peer: this.relayBase(), ttlS: opts.ttlS, maxUses: opts.maxUses, now: this.now(), rng: this.rng });
    if (!r.ok) throw new BackendError(r.reason === "only the circle owner issues felund2 invites" ? "only the circle's owner can invite to this circle (ask them for a code)" : r.reason, 403);
    if (plain) this.lastCodes.set(c.circleId, { code: r.value.code, inviteId: toHex(r.value.invite.inviteId), expiresTs: r.value.invite.expiresTs, relay: this.relayBase(), name: c.name });
    await this.flush();
    this.watchAdmissions();
    return r.value.code;
  }

  async createChannel(circleId: string, name: string, mode: AccessMode, key = "") {
    const c = this.circle(circleId);
    const ch = normalizeChannelId(name);
    if (!isValidChannelId(ch)) throw new BackendError("channel names are 1-32 letters, digits, - or _ (not starting with __)");
    if (this.mem.getChannel(c.circleId, ch)) throw new BackendError(`#${ch} already exists`, 409);
    if (mode === "key" && !key) throw new BackendError("a key channel needs a key");
    // v2: a key channel is encrypted under a key derived from its passphrase; an invite channel
    // under a random key its owner seals to each approved member
    const row = isLegacy(c) ? this.postV1(c.circleId, CONTROL_CHANNEL, channelCreateText({
      circleId: c.circleId, channelId: ch, accessMode: mode, keyHash: mode === "key" ? channelKeyHash(c.circleId, ch, key) : "", actor: this.node.nodeId, ts: this.now(),
    })) : this.done(admin.createChannel(this.ctx(), c.circleId, ch, mode, { ...this.who(), passphrase: key }));
    await this.published(c.circleId, [row]);
  }

  async joinChannel(circleId: string, name: string, key = "") {
    const c = this.circle(circleId);
    const ch = normalizeChannelId(name);
    const row = this.mem.getChannel(c.circleId, ch);
    if (!row) throw new BackendError(`unknown channel: #${ch}`, 404);
    let out: StoredMessage;
    if (!isLegacy(c)) {
      if (row.accessMode === "key") {
        if (!key) throw new BackendError(`#${ch} needs its key: /channel join ${ch} <key>`, 403);
        const r = admin.unlockKeyChannel(this.ctx(), c.circleId, ch, key, this.who());
        if (!r.ok && /passphrase/.test(r.reason)) throw new BackendError("wrong channel key", 403);
        out = this.done(r);
      } else {
        const t = row.accessMode === "invite" ? "channel_request" : "channel_join";
        out = this.done(composeEvent(this.ctx(), { circleId: c.circleId, ...this.who(), event: { t, channelId: ch } }));
      }
    } else {
      if (row.accessMode === "key" && row.keyHash && channelKeyHash(c.circleId, ch, key) !== row.keyHash) throw new BackendError("wrong channel key", 403);
      const op = row.accessMode === "invite" ? "request" : "join";
      out = this.postV1(c.circleId, CONTROL_CHANNEL, channelMemberText(op, { circleId: c.circleId, channelId: ch, nodeId: this.node.nodeId, actor: this.node.nodeId, ts: this.now() }));
    }
    await this.published(c.circleId, [out]);
    // sealed messages of the channel may have opened: let the views reload
    this.emit({ t: "circles" });
  }

  async leaveChannel(circleId: string, name: string) {
    const c = this.circle(circleId);
    const ch = normalizeChannelId(name);
    if (ch === "general") throw new BackendError("#general cannot be left");
    if (!this.mem.getChannel(c.circleId, ch)) throw new BackendError(`unknown channel: #${ch}`, 404);
    const row = isLegacy(c) ? this.postV1(c.circleId, CONTROL_CHANNEL, channelMemberText("leave", { circleId: c.circleId, channelId: ch, nodeId: this.node.nodeId, actor: this.node.nodeId, ts: this.now() }))
      : this.done(composeEvent(this.ctx(), { circleId: c.circleId, ...this.who(), event: { t: "channel_leave", channelId: ch } }));
    await this.published(c.circleId, [row]);
  }

  /** Owner only: remove members; the circle moves to a new epoch key they do not get. */
  async kickMembers(circleId: string, members: string[]) {
    const c = this.circle(circleId);
    const ids = members.map((m) => this.resolveMember(c.circleId, m));
    await this.published(c.circleId, [this.done(admin.kickMembers(this.ctx(), c.circleId, ids, this.who()), 403)]);
    this.emit({ t: "circles" });
  }

  /** The channel owner lets a member into an invite channel (v2: the channel key sealed to its card). */
  async approveMember(circleId: string, channel: string, member: string) {
    const c = this.circle(circleId);
    const ch = normalizeChannelId(channel);
    const id = this.resolveMember(c.circleId, member);
    const row = isLegacy(c) ? this.postV1(c.circleId, CONTROL_CHANNEL, channelApproveText({ circleId: c.circleId, channelId: ch, target: id, actor: this.node.nodeId, ts: this.now() }))
      : this.done(admin.approveMember(this.ctx(), c.circleId, ch, id, this.who()), 403);
    await this.published(c.circleId, [row]);
  }

  /** A member by node id, unique id prefix (4+), or display name (as the node's resolveMember). */
  private resolveMember(circleId: string, who: string): string {
    const q = who.trim().replace(/^@/, "");
    const ids = [...new Set([...this.mem.listMemberCards(circleId).map((x) => x.nodeId), ...(this.peerCache.get(circleId) ?? []).map((p) => p.nodeId)])];
    if (ids.includes(q)) return q;
    const byPrefix = q.length >= 4 ? ids.filter((id) => id.startsWith(q)) : [];
    if (byPrefix.length === 1) return byPrefix[0]!;
    const byName = ids.filter((id) => (this.mem.getDisplayName(id) ?? "").toLowerCase() === q.toLowerCase());
    if (byName.length === 1) return byName[0]!;
    if (byPrefix.length > 1 || byName.length > 1) throw new BackendError(`"${who}" matches several members; use more of the node id`);
    throw new BackendError(`no member "${who}" in this circle`, 404);
  }

  async listPeers(circleId: string): Promise<PeerView[]> {
    const c = this.circle(circleId);
    try {
      this.peersSeen(c.circleId, await this.sync.peers(this.link(c.circleId).hint));
    } catch { /* keep the last list */ }
    return this.peerCache.get(c.circleId) ?? [];
  }

  async updateSettings(s: { displayName?: string; relayBase?: string }) {
    if (s.relayBase !== undefined) {
      const r = s.relayBase.trim().replace(/\/+$/, "");
      if (r && !/^https?:\/\/[^\s/]+/.test(r)) throw new BackendError("relay URL must start with http:// or https://");
      if (r !== this.node.relayBase) {
        this.node = { ...this.node, relayBase: r };
        await this.o.persist.saveNode(this.node);
        this.sync.restart(this.relayBase());
        this.admissions = null; // its signal cursor belongs to the old relay
      }
    }
    if (s.displayName !== undefined) {
      const n = s.displayName.trim().slice(0, DISPLAY_NAME_MAX) || "anon";
      this.node = { ...this.node, displayName: n };
      await this.o.persist.saveNode(this.node);
      this.mem.setDisplayName(this.node.nodeId, n, this.now());
      // legacy circles: the v1 rename originals understand; v2-only circles: a fresh member card
      for (const c of this.mem.listCircles()) {
        const row = isLegacy(c) ? this.postV1(c.circleId, CONTROL_CHANNEL, renameText({ circleId: c.circleId, nodeId: this.node.nodeId, displayName: n, ts: this.now() }))
          : this.publishCard(c.circleId);
        if (row) await this.published(c.circleId, [row]);
      }
    }
    this.emit({ t: "circles" });
  }

  subscribe(fn: (e: BackendEvent) => void): () => void {
    this.listeners.add(fn);
    if (!this.started) {
      this.started = true;
      this.sync.start();
      this.watchAdmissions();
    }
    return () => this.listeners.delete(fn);
  }

  connection(): ConnectionState {
    return this.state;
  }

  /** "push" while every circle has its WebSocket, else "poll" (for the status line). */
  transport(): "push" | "poll" {
    return this.sync.transport();
  }

  /** Leaving the page: drop our presence (best effort). */
  goodbye(): void {
    this.sync.goodbye();
  }

  close(): void {
    void this.callNet?.then((c) => c.stop());
    this.closed = true;
    this.sync.stop();
    if (this.admitTimer) clearTimeout(this.admitTimer);
    this.admitTimer = null;
  }

  // ---- authoring ----

  private done(v: Done, status = 400): StoredMessage {
    if (!v.ok) throw new BackendError(v.reason, /owner/.test(v.reason) ? 403 : status);
    return v.value.row;
  }

  /** This browser's member card in a circle: its keys (for sealed channel and epoch keys) and name. */
  private publishCard(circleId: string): StoredMessage | null {
    const c = this.mem.getCircle(circleId)!;
    const card = makeCardMessage(this.keys, { circleId, displayName: this.node.displayName, ts: this.now(), epoch: c.keyEpoch, salt: this.rng(16) });
    const r = acceptSigned(this.ctx(), c, card.wire, "local");
    return r.ok ? r.value : null;
  }

  /** An unsigned v1 control message (legacy circles: what original clients understand). */
  private postV1(circleId: string, channelId: string, text: string): StoredMessage {
    const l = this.link(circleId);
    const now = this.now();
    const base = { msgId: newMsgId(this.node.nodeId, now, this.rng), circleId, channelId, authorNodeId: this.node.nodeId, displayName: this.node.displayName, createdTs: now, text };
    const row = storeVerified(this.mem, this.calls, { ...base, mac: computeMac(l.secret, base) }, "local", now);
    if (!row) throw new Error("message id collision");
    return row;
  }

  /** Messages written here: store durably, tell the UI, push to the relay. */
  private async published(circleId: string, rows: StoredMessage[]): Promise<StoredMessage[]> {
    await this.flush();
    for (const r of rows) this.emit({ t: "message", message: this.view(r) });
    if (rows.length && this.links.has(circleId)) this.sync.pushSoon(circleId, this.link(circleId).hint);
    return rows;
  }

  private emit(e: BackendEvent) {
    for (const fn of this.listeners) fn(e);
  }

  // ---- admissions through the relay (owner side) ----

  /** Poll the relay for joins while this browser has unexpired invites; stops by itself when none are left. */
  private watchAdmissions() {
    if (!this.started || this.closed || this.admitTimer || !this.mem.hasLiveInvites(this.now())) return;
    this.admitTimer = setTimeout(() => void this.admitRound(), 0);
  }

  private async admitRound() {
    try {
      if (this.closed || !this.mem.hasLiveInvites(this.now())) return;
      if (!this.admissions) {
        const { Admissions } = await import("./admission.ts");
        this.admissions = new Admissions(new RelayApi(this.relayBase(), this.node.nodeId, this.o.fetch), this.node.nodeId, () => this.v2Deps(), this.nowMs);
      }
      const ended = await this.admissions.poll((e) => this.debug(`admission: ${(e as Error).message}`));
      for (const x of ended) this.debug(`admission ${x.sessionId.slice(0, 12)}: ${x.admitted ? `admitted ${x.peerNodeId}` : `refused (${x.reason})`}`);
      await this.flush();
    } catch (e) {
      this.debug(`admission poll: ${(e as Error).message}`);
    } finally {
      this.admitTimer = null;
      const busy = (this.admissions?.active ?? 0) > 0;
      if (!this.closed && this.mem.hasLiveInvites(this.now()))
        this.admitTimer = setTimeout(() => void this.admitRound(), busy ? V2_RELAY_ADMISSION_BUSY_POLL_MS : V2_RELAY_ADMISSION_POLL_MS);
    }
  }

  // ---- SyncHost: what the sync loop asks of this peer ----

  circles() {
    return [...this.links].map(([circleId, l]) => ({ circleId, hint: l.hint }));
  }

  /** What goes to the relay for one message: a v2 envelope when signed; a v1 envelope too in legacy circles. */
  private envelopes(c: CircleRow, l: Link, m: StoredMessage): unknown[] {
    const out: unknown[] = [];
    const wire = this.mem.getV2Wire(m.msgId);
    if (wire) {
      const signed = decodeMessage(fromBase64(wire));
      const ek = epochKey(this.mem, c, signed.keyEpoch);
      if (ek) out.push(sealEnvelopeV2({ secret: l.secret, epoch: signed.keyEpoch, epochKey: ek, message: signed }, this.rng(12)));
    }
    if (isLegacy(c) && m.mac) out.push(sealEnvelope(l.key, m, this.rng(12)));
    return out;
  }

  pending(circleId: string, max: number) {
    const c = this.mem.getCircle(circleId);
    const l = this.links.get(circleId);
    const out = { msgIds: [] as string[], envelopes: [] as unknown[] };
    if (!c || !l) return out;
    for (const m of this.mem.ownUnpushed(circleId, this.node.nodeId, this.pushed)) {
      const envs = this.envelopes(c, l, m);
      if (out.envelopes.length + envs.length > max && out.msgIds.length) break;
      out.msgIds.push(m.msgId);
      out.envelopes.push(...envs);
    }
    return out;
  }

  async acknowledged(_circleId: string, msgIds: string[]) {
    for (const id of msgIds) this.pushed.add(id);
    // behind any commit still queued (which may carry the same rows as not yet pushed)
    const rows = msgIds.map((id) => this.record(id)).filter((r): r is MessageRecord => !!r);
    this.writes = this.writes.catch(() => {}).then(() => this.o.persist.putMessages(rows));
    await this.writes;
  }

  cursor(key: string): PullCursor {
    return this.cursors[key] ?? {};
  }

  async saveCursor(key: string, c: PullCursor) {
    this.cursors[key] = c;
    await this.o.persist.saveCursors(this.cursors);
  }

  /**
   * Open, verify and store envelopes from the relay. v2 envelopes: opened under the epoch key
   * they name, then acceptSigned (signature, clock, removed members, authority). v1 envelopes:
   * only in legacy circles (in a v2-only one the static secret is not trusted: a removed member
   * still knows it).
   */
  async ingest(circleId: string, raws: unknown[]) {
    if (!this.links.has(circleId)) return;
    const l = this.link(circleId);
    const fresh: StoredMessage[] = [];
    const ctx = this.ctx();
    const epochBefore = this.mem.getCircle(circleId)?.keyEpoch ?? 0;
    for (const raw of raws) {
      const circle = this.mem.getCircle(circleId);
      if (!circle) return;
      const id = (raw as { msg_id?: unknown } | null)?.msg_id;
      if (isEnvelopeV2(raw)) {
        const v = openEnvelopeV2(raw, { secret: l.secret, circleId, keyOf: (e) => epochKey(this.mem, circle, e) });
        if (!v.ok) {
          // a newer epoch than ours: its REKEY may come later on the relay (a member that got it by
          // another path wrote first); keep a few such envelopes until our epoch rises
          const ep = envelopeEpoch(raw);
          const waiting = this.ahead.get(circleId) ?? [];
          if (ep !== null && ep > circle.keyEpoch && waiting.length < AHEAD_MAX) {
            waiting.push(raw);
            this.ahead.set(circleId, waiting);
          } else this.debug(`relay: dropped ${String(id).slice(0, 12)}: ${v.reason}`);
          continue;
        }
        if (this.mem.getV2Wire(v.value.msgId)) continue; // a copy we hold (checked before the signature)
        const r = acceptSigned(ctx, circle, v.value.wire, "relay");
        if (r.ok) fresh.push(r.value);
        else if (r.kind === "reject") this.debug(`relay: refused ${v.value.msgId.slice(0, 12)}: ${r.reason}`);
        continue;
      }
      if (!isLegacy(circle)) continue;
      if (typeof id === "string" && this.mem.hasMessage(id)) continue;
      const v = openEnvelope(l.key, l.secret, circleId, raw);
      if (!v.ok) {
        this.debug(`relay: dropped ${String(id).slice(0, 12)}: ${v.reason}`);
        continue;
      }
      const m = v.value;
      // an envelope that opens under the circle key proves membership as a v1 MAC does
      const row = storeVerified(this.mem, this.calls, { ...m, mac: m.mac ?? computeMac(l.secret, m) }, "relay", ctx.now);
      if (row) fresh.push(row);
    }
    for (const r of fresh) if (r.authorNodeId === this.node.nodeId) this.pushed.add(r.msgId);
    await this.flush();
    for (const r of fresh) this.emit({ t: "message", message: this.view(r) });
    const waiting = this.ahead.get(circleId);
    if (waiting?.length && (this.mem.getCircle(circleId)?.keyEpoch ?? 0) > epochBefore) {
      this.ahead.delete(circleId);
      await this.ingest(circleId, waiting);
    }
  }

  peersSeen(circleId: string, list: RelayPeer[]) {
    const now = this.now();
    this.peerCache.set(circleId, list.map((p) => {
      const e = Array.isArray(p.endpoints) ? p.endpoints[0] : undefined;
      const seen = typeof p.observed_at === "number" ? p.observed_at : now;
      return {
        circleId, nodeId: p.node_id, name: this.mem.getDisplayName(p.node_id) ?? "", addr: e ? `${e.transport}://${e.host}:${e.port}` : "",
        lastSeen: seen, lastOk: seen, failures: 0, source: "relay", proto: this.mem.getMemberCard(circleId, p.node_id) ? "v2" : "relay",
      };
    }));
    this.emit({ t: "peers", circleId });
  }

  connectionChanged(state: ConnectionState) {
    this.state = state;
    this.emit({ t: "connection", state });
  }

  // ---- calls (ui/web/src/calls/relay-calls.ts): events signed here, signals sealed here, carried by the relay's /v1/signal ----

  private callNet: Promise<RelayCalls> | null = null;
  /** loaded on the first call action (a chunk of its own) */
  private calling(): Promise<RelayCalls> {
    return (this.callNet ??= import("../calls/relay-calls.ts").then(({ RelayCalls }) => new RelayCalls({
      ctx: () => this.ctx(), rng: this.rng, nowMs: this.nowMs, displayName: () => this.node.displayName,
      api: () => new RelayApi(this.relayBase(), this.node.nodeId, this.o.fetch),
      postV1: (c, ch, text) => this.postV1(c, ch, text), publish: async (c, rows) => void (await this.published(c, rows)),
      emit: (e) => this.emit(e), debug: (l) => this.debug(l),
    })));
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
