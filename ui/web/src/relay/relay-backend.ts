// The relay-only peer: a browser with no node behind it is its own felund peer. Identity,
// circle secrets and history live in IndexedDB (persist.ts); messages travel as encrypted
// envelopes (reference §4.4) through the relay (relay-sync.ts). Channels, names and circle
// names follow the node's own rules (src/sync). Same envelopes and ids as the original web
// client, so it shares circles with it and with local nodes that bridge the relay.
import { BackendError, type Backend } from "../../../shared/backend.ts";
import type { AccessMode, AppState, BackendEvent, ChannelView, ConnectionState, MessageView, PeerView } from "../../../shared/types.ts";
import { fromHex, toHex, utf8Length } from "../../../../src/protocol/bytes.ts";
import { isValidChannelId, normalizeChannelId } from "../../../../src/protocol/channel-id.ts";
import { channelCreateText, channelKeyHash, channelMemberText, circleNameText, renameText } from "../../../../src/protocol/control.ts";
import { systemRng, type Rng } from "../../../../src/protocol/crypto.ts";
import { messageKey, openEnvelope, sealEnvelope } from "../../../../src/protocol/envelope.ts";
import { circleHint, circleIdFromSecret, newMsgId, newSecretHex } from "../../../../src/protocol/ids.ts";
import { decodeInvite, encodeInvite } from "../../../../src/protocol/invite.ts";
import { CIRCLE_NAME_MAX, DISPLAY_NAME_MAX, MAX_TEXT_BYTES } from "../../../../src/protocol/limits.ts";
import { computeMac, CONTROL_CHANNEL } from "../../../../src/protocol/message.ts";
import { CallRegistry, ensureGeneral } from "../../../../src/sync/control-apply.ts";
import { storeVerified } from "../../../../src/sync/merge.ts";
import type { StoredMessage } from "../../../../src/sync/store.ts";
import { MemStore } from "./mem-store.ts";
import type { MessageRecord, NodeRecord, Persistence, PullCursor } from "./persist.ts";
import type { FetchLike, RelayEndpoint, RelayPeer } from "./relay-api.ts";
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

interface Keys { secret: Uint8Array; key: Uint8Array; hint: string }

export class RelayBackend implements Backend, SyncHost {
  readonly kind = "relay" as const;
  private mem = new MemStore();
  private calls = new CallRegistry();
  private keys = new Map<string, Keys>();
  private pushed = new Set<string>();
  private cursors: Record<string, PullCursor> = {};
  private peerCache = new Map<string, PeerView[]>();
  private listeners = new Set<(e: BackendEvent) => void>();
  private state: ConnectionState = "connecting";
  private started = false;
  private sync!: RelaySync;
  private node!: NodeRecord;
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
    this.node = snap.node ?? { nodeId: toHex(this.rng(16)), displayName: "anon", relayBase: "" };
    if (!snap.node) await this.o.persist.saveNode(this.node);
    this.sync = new RelaySync(this.relayBase(), this, { ...this.o, nodeId: this.node.nodeId });
    this.mem.setDisplayName(this.node.nodeId, this.node.displayName, this.now());
    for (const c of snap.circles) this.addCircle(c.circleId, c.secretHex, c.name, c.owned, c.joinedAt);
    this.cursors = snap.cursors;
    const now = this.now();
    for (const m of snap.messages.sort((a, b) => a.seq - b.seq)) {
      if (!this.keys.has(m.circleId)) continue;
      const { seq: _s, sortTs: _t, origin, receivedAt: _r, pushed, ...msg } = m;
      storeVerified(this.mem, this.calls, msg, origin, now);
      if (pushed) this.pushed.add(m.msgId);
    }
    this.mem.onCircleChange = () => void this.saveCircles();
  }

  private relayBase(): string {
    return (this.node.relayBase || this.o.relayBase).replace(/\/+$/, "");
  }

  private addCircle(circleId: string, secretHex: string, name: string, owned: boolean, joinedAt: number): boolean {
    const added = this.mem.addCircle({ circleId, secretHex, name, owned, bootstrap: "", mode: "v1", keyEpoch: 0, joinedAt });
    const secret = fromHex(secretHex);
    this.keys.set(circleId, { secret, key: messageKey(secret), hint: circleHint(circleId) });
    ensureGeneral(this.mem, circleId, joinedAt);
    return added;
  }

  private saveCircles() {
    return this.o.persist.saveCircles(this.mem.listCircles().map((c) => ({ circleId: c.circleId, secretHex: c.secretHex, name: c.name, owned: c.owned, joinedAt: c.joinedAt })));
  }

  private circle(circleId: string) {
    const c = this.mem.getCircle(circleId) ?? this.mem.listCircles().find((x) => circleId.length >= 4 && x.circleId.startsWith(circleId));
    if (!c) throw new BackendError(`unknown circle: ${circleId}`, 404);
    return c;
  }

  private view(m: StoredMessage): MessageView {
    return {
      seq: m.seq, msgId: m.msgId, circleId: m.circleId, channelId: m.channelId, authorNodeId: m.authorNodeId,
      author: this.mem.getDisplayName(m.authorNodeId) || m.displayName || m.authorNodeId.slice(0, 8),
      displayName: m.displayName, createdTs: m.createdTs, sortTs: m.sortTs, text: m.text,
      // an envelope that opens under the circle key proves circle membership, as a v1 MAC does
      verified: m.mac ? "mac" : "none", own: m.authorNodeId === this.node.nodeId,
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

  // ---- Backend ----

  async getState(): Promise<AppState> {
    return {
      node: { nodeId: this.node.nodeId, displayName: this.node.displayName, relayBase: this.relayBase(), listenAddr: null },
      circles: this.mem.listCircles().map((c) => ({
        circleId: c.circleId, name: c.name, owned: c.owned, members: this.peerCache.get(c.circleId)?.length ?? 0,
        messages: this.mem.countMessages(c.circleId), channels: this.channels(c.circleId),
      })),
      calls: [],
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
    return this.view(await this.author(c.circleId, ch, text));
  }

  async createCircle(name: string) {
    const secretHex = newSecretHex(this.rng);
    const circleId = circleIdFromSecret(secretHex);
    this.addCircle(circleId, secretHex, "", true, this.now());
    await this.saveCircles();
    const n = name.trim().slice(0, CIRCLE_NAME_MAX);
    if (n) await this.author(circleId, CONTROL_CHANNEL, circleNameText(circleId, n));
    this.sync.addCircle(circleId, this.keys.get(circleId)!.hint);
    this.emit({ t: "circles" });
    return { circleId, code: await this.inviteCode(circleId) };
  }

  async joinCircle(code: string) {
    const v = decodeInvite(code);
    if (!v.ok) throw new BackendError(`invalid invite code: ${v.reason}`);
    const circleId = circleIdFromSecret(v.value.secretHex);
    if (this.addCircle(circleId, v.value.secretHex, "", false, this.now())) {
      await this.saveCircles();
      this.sync.addCircle(circleId, this.keys.get(circleId)!.hint);
      this.emit({ t: "circles" });
    }
    return { circleId };
  }

  async leaveCircle(circleId: string) {
    const c = this.circle(circleId);
    this.sync.removeCircle(c.circleId, this.keys.get(c.circleId)!.hint);
    this.mem.removeCircle(c.circleId);
    this.keys.delete(c.circleId);
    for (const key of Object.keys(this.cursors)) if (key.endsWith("|" + c.circleId)) delete this.cursors[key];
    await this.o.persist.deleteCircle(c.circleId);
    await this.saveCircles();
    await this.o.persist.saveCursors(this.cursors);
    this.emit({ t: "circles" });
  }

  async renameCircle(circleId: string, name: string) {
    const c = this.circle(circleId);
    if (!c.owned) throw new BackendError("only the circle's owner can rename it", 403);
    const n = name.trim().slice(0, CIRCLE_NAME_MAX);
    if (!n) throw new BackendError("circle name is empty");
    await this.author(c.circleId, CONTROL_CHANNEL, circleNameText(c.circleId, n));
  }

  async inviteCode(circleId: string) {
    // peer = this relay's URL: the originals accept it, and it tells the joiner where we meet
    return encodeInvite(this.circle(circleId).secretHex, this.relayBase());
  }

  async createChannel(circleId: string, name: string, mode: AccessMode, key = "") {
    const c = this.circle(circleId);
    const ch = normalizeChannelId(name);
    if (!isValidChannelId(ch)) throw new BackendError("channel names are 1-32 letters, digits, - or _ (not starting with __)");
    if (this.mem.getChannel(c.circleId, ch)) throw new BackendError(`#${ch} already exists`, 409);
    if (mode === "key" && !key) throw new BackendError("a key channel needs a key");
    await this.author(c.circleId, CONTROL_CHANNEL, channelCreateText({
      circleId: c.circleId, channelId: ch, accessMode: mode, keyHash: mode === "key" ? channelKeyHash(c.circleId, ch, key) : "", actor: this.node.nodeId, ts: this.now(),
    }));
  }

  async joinChannel(circleId: string, name: string, key = "") {
    const c = this.circle(circleId);
    const ch = normalizeChannelId(name);
    const row = this.mem.getChannel(c.circleId, ch);
    if (!row) throw new BackendError(`unknown channel: #${ch}`, 404);
    if (row.accessMode === "key" && row.keyHash && channelKeyHash(c.circleId, ch, key) !== row.keyHash) throw new BackendError("wrong channel key", 403);
    const op = row.accessMode === "invite" ? "request" : "join";
    await this.author(c.circleId, CONTROL_CHANNEL, channelMemberText(op, { circleId: c.circleId, channelId: ch, nodeId: this.node.nodeId, actor: this.node.nodeId, ts: this.now() }));
  }

  async leaveChannel(circleId: string, name: string) {
    const c = this.circle(circleId);
    const ch = normalizeChannelId(name);
    if (ch === "general") throw new BackendError("#general cannot be left");
    if (!this.mem.getChannel(c.circleId, ch)) throw new BackendError(`unknown channel: #${ch}`, 404);
    await this.author(c.circleId, CONTROL_CHANNEL, channelMemberText("leave", { circleId: c.circleId, channelId: ch, nodeId: this.node.nodeId, actor: this.node.nodeId, ts: this.now() }));
  }

  async listPeers(circleId: string): Promise<PeerView[]> {
    const c = this.circle(circleId);
    try {
      this.peersSeen(c.circleId, await this.sync.peers(this.keys.get(c.circleId)!.hint));
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
      }
    }
    if (s.displayName !== undefined) {
      const n = s.displayName.trim().slice(0, DISPLAY_NAME_MAX) || "anon";
      this.node = { ...this.node, displayName: n };
      await this.o.persist.saveNode(this.node);
      this.mem.setDisplayName(this.node.nodeId, n, this.now());
      for (const c of this.mem.listCircles())
        await this.author(c.circleId, CONTROL_CHANNEL, renameText({ circleId: c.circleId, nodeId: this.node.nodeId, displayName: n, ts: this.now() }));
    }
    this.emit({ t: "circles" });
  }

  subscribe(fn: (e: BackendEvent) => void): () => void {
    this.listeners.add(fn);
    if (!this.started) {
      this.started = true;
      this.sync.start();
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
    this.sync.stop();
  }

  // ---- authoring ----

  private async author(circleId: string, channelId: string, text: string): Promise<StoredMessage> {
    const k = this.keys.get(circleId)!;
    const now = this.now();
    const base = { msgId: newMsgId(this.node.nodeId, now, this.rng), circleId, channelId, authorNodeId: this.node.nodeId, displayName: this.node.displayName, createdTs: now, text };
    const row = storeVerified(this.mem, this.calls, { ...base, mac: computeMac(k.secret, base) }, "local", now);
    if (!row) throw new Error("message id collision");
    await this.o.persist.putMessages([{ ...row, pushed: false }]);
    this.emit({ t: "message", message: this.view(row) });
    this.sync.pushSoon(circleId, k.hint);
    return row;
  }

  private emit(e: BackendEvent) {
    for (const fn of this.listeners) fn(e);
  }

  // ---- SyncHost: what the sync loop asks of this peer ----

  circles() {
    return [...this.keys].map(([circleId, k]) => ({ circleId, hint: k.hint }));
  }

  pending(circleId: string, max: number) {
    const k = this.keys.get(circleId);
    if (!k) return { msgIds: [], envelopes: [] };
    const todo = this.mem.ownUnpushed(circleId, this.node.nodeId, this.pushed).slice(0, max);
    return { msgIds: todo.map((m) => m.msgId), envelopes: todo.map((m) => sealEnvelope(k.key, m, this.rng(12))) };
  }

  async acknowledged(_circleId: string, msgIds: string[]) {
    for (const id of msgIds) this.pushed.add(id);
    const rows = msgIds.map((id) => this.mem.getMessage(id)).filter((m): m is StoredMessage => !!m);
    await this.o.persist.putMessages(rows.map((m): MessageRecord => ({ ...m, pushed: true })));
  }

  cursor(key: string): PullCursor {
    return this.cursors[key] ?? {};
  }

  async saveCursor(key: string, c: PullCursor) {
    this.cursors[key] = c;
    await this.o.persist.saveCursors(this.cursors);
  }

  /** Open, verify and store envelopes from the relay; apply control events; tell the UI. */
  async ingest(circleId: string, raws: unknown[]) {
    const k = this.keys.get(circleId);
    if (!k) return;
    const now = this.now();
    const fresh: StoredMessage[] = [];
    for (const raw of raws) {
      const id = (raw as { msg_id?: unknown } | null)?.msg_id;
      if (typeof id === "string" && this.mem.hasMessage(id)) continue;
      const v = openEnvelope(k.key, k.secret, circleId, raw);
      if (!v.ok) {
        this.debug(`relay: dropped ${String(id).slice(0, 12)}: ${v.reason}`);
        continue;
      }
      const m = v.value;
      // an envelope that opens under the circle key proves membership as a v1 MAC does
      const row = storeVerified(this.mem, this.calls, { ...m, mac: m.mac ?? computeMac(k.secret, m) }, "relay", now);
      if (row) fresh.push(row);
    }
    if (!fresh.length) return;
    for (const r of fresh) if (r.authorNodeId === this.node.nodeId) this.pushed.add(r.msgId);
    await this.o.persist.putMessages(fresh.map((r) => ({ ...r, pushed: r.authorNodeId === this.node.nodeId })));
    for (const r of fresh) this.emit({ t: "message", message: this.view(r) });
  }

  peersSeen(circleId: string, list: RelayPeer[]) {
    const now = this.now();
    this.peerCache.set(circleId, list.map((p) => {
      const e = Array.isArray(p.endpoints) ? p.endpoints[0] : undefined;
      const seen = typeof p.observed_at === "number" ? p.observed_at : now;
      return {
        circleId, nodeId: p.node_id, name: this.mem.getDisplayName(p.node_id) ?? "", addr: e ? `${e.transport}://${e.host}:${e.port}` : "",
        lastSeen: seen, lastOk: seen, failures: 0, source: "relay", proto: "relay",
      };
    }));
    this.emit({ t: "peers", circleId });
  }

  connectionChanged(state: ConnectionState) {
    this.state = state;
    this.emit({ t: "connection", state });
  }

  debug(line: string) {
    this.emit({ t: "debug", line });
  }
}
