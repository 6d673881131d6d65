// One v1 TCP exchange (PROTOCOL-V1.md §3): the handshake in either role, optional session
// encryption, and the sync sequence PEERS/MSGS_HAVE -> MSGS_REQ -> MSGS_SEND. A pure state
// machine: the shell feeds it lines and writes the lines it returns; it does no I/O, and
// clock, randomness and store are injected.
//
// Frame limits: towards an original peer every line stays within v1's limits (16 KiB plain,
// 32 KiB encrypted); what does not fit is offered, requested or sent in a later exchange
// (`result.more` asks the shell for one at once). Two felund-ts nodes that both advertise
// the `ext` field may use larger lines.
import { toHex, utf8Length } from "../protocol/bytes.ts";
import { timingSafeEqualStr, type Rng } from "../protocol/crypto.ts";
import { fromHex } from "../protocol/bytes.ts";
import {
  parseChallenge,
  parseHello,
  parseHelloAuth,
  parseJsonFrame,
  parseMsgsHave,
  parseMsgsReq,
  parseMsgsSend,
  parsePeers,
  parseWelcome,
  type FelundExt,
  type PeerEntry,
} from "../protocol/frames.ts";
import { formatHostPort, parseHostPort } from "../protocol/hostport.ts";
import { EXT_LINE_MAX } from "../protocol/limits.ts";
import { decryptFrameLine, encryptFrameLine, handshakeToken, sessionKey } from "../protocol/session.ts";
import { ProtocolError } from "../protocol/verdict.ts";
import type { CallRegistry } from "./control-apply.ts";
import type { PeerKnowledge } from "./knowledge.ts";
import { mergeWireMessages, writesEnc } from "./merge.ts";
import { mergeGossipPeers, recordDialOk, recordInbound, type SelfInfo } from "./peers.ts";
import { idsCapacity, lineBudget, syncOffer, wireText } from "./v1-offer.ts";
import type { CircleRow, StoredMessage, SyncStore } from "./store.ts";

export const FELUND_IMPL = "felund-ts/0.1";

export interface ExchangeDeps {
  store: SyncStore;
  calls: CallRegistry;
  knowledge: PeerKnowledge;
  /** seconds */
  now: () => number;
  rng: Rng;
  self: SelfInfo & { listenAddr: string | null };
  /** client role: ask for an encrypted session (default true) */
  encrypt?: boolean;
  /** advertise the felund-ts extension (default true); off = behave exactly as an original node */
  ext?: boolean;
}

export interface ExchangeResult {
  circleId: string;
  peerNodeId: string;
  proto: "v1" | "ext" | "v2";
  encrypted: boolean;
  stored: StoredMessage[];
  rejected: { msgId: string; reason: string }[];
  sent: number;
  /** there is more to exchange with this peer: run another exchange now */
  more: boolean;
  peersChanged: number;
  completed: boolean;
  /** the dialled address turned out to be this node */
  selfDial: boolean;
  /** the exchange failed after our request, likely too large for the peer; the budget shrank: try again now */
  retry?: boolean;
  /** ids the peer holds, as far as this exchange shows: those it offered (MSGS_HAVE) and, once the exchange
   * completed, those we sent it (delivery state) */
  peerHolds?: string[];
}

export interface Step {
  send: string[];
  close?: { reason: string; error: boolean };
}

type State = "hello" | "auth" | "challenge" | "welcome" | "peers" | "have" | "req" | "send" | "done";

export class V1Exchange {
  private state: State;
  private circle: CircleRow | undefined;
  private secret: Uint8Array = new Uint8Array(0);
  private key: Uint8Array | null = null;
  private clientNonce = "";
  private serverNonce = "";
  private peerExt: FelundExt | undefined;
  private theirPeers: PeerEntry[] = [];
  private requested: string[] = [];
  /** ids we sent in MSGS_SEND; assumed held by the peer unless the exchange then fails */
  private sentIds: string[] = [];
  private pendingHello: { nodeId: string; listenAddr?: string } | null = null;
  readonly result: ExchangeResult;

  private constructor(
    private deps: ExchangeDeps,
    readonly role: "client" | "server",
    private remoteIp: string,
    private dialAddr: string,
    circleId: string,
  ) {
    this.state = role === "client" ? "challenge" : "hello";
    this.result = {
      circleId,
      peerNodeId: "",
      proto: "v1",
      encrypted: false,
      stored: [],
      rejected: [],
      sent: 0,
      more: false,
      peersChanged: 0,
      completed: false,
      selfDial: false,
    };
  }

  static client(deps: ExchangeDeps, circleId: string, dialAddr: string): V1Exchange {
    return new V1Exchange(deps, "client", parseHostPort(dialAddr)?.host ?? "", dialAddr, circleId);
  }
  static server(deps: ExchangeDeps, remoteIp: string): V1Exchange {
    return new V1Exchange(deps, "server", remoteIp, "", "");
  }

  get done(): boolean {
    return this.state === "done";
  }
  /** true once we sent MSGS_REQ and wait for the peer's MSGS_SEND */
  get awaitingSend(): boolean {
    return this.state === "send";
  }

  start(): Step {
    if (this.role === "server") return { send: [] };
    this.circle = this.deps.store.getCircle(this.result.circleId);
    if (!this.circle) return this.fatal("unknown circle", []);
    this.secret = fromHex(this.circle.secretHex);
    const hello: Record<string, unknown> = {
      t: "HELLO",
      node_id: this.deps.self.nodeId,
      circle_id: this.result.circleId,
    };
    if (this.deps.self.listenAddr) hello.listen_addr = this.deps.self.listenAddr;
    if (this.deps.encrypt !== false) {
      this.clientNonce = toHex(this.deps.rng(16));
      hello.nonce = this.clientNonce;
    }
    hello.can_anchor = false;
    if (this.deps.ext !== false) hello.ext = { impl: FELUND_IMPL, max_line: EXT_LINE_MAX };
    return { send: [JSON.stringify(hello)] };
  }

  /** Feed one received line (without "\n"). */
  receive(line: string): Step {
    if (this.state === "done") return { send: [] };
    let f: Record<string, unknown>;
    try {
      f = this.decode(line);
    } catch (e) {
      if (e instanceof ProtocolError) return this.fatal(e.message, [], true);
      throw e;
    }
    if (f.t === "ERROR")
      return this.fatal(`peer error: ${typeof f.err === "string" ? f.err.slice(0, 200) : "(no text)"}`, []);
    try {
      return this.handle(f);
    } catch (e) {
      if (e instanceof ProtocolError) {
        // a dialling original closes silently on a bad handshake reply; otherwise say why
        const silent = this.role === "client" && (this.state === "challenge" || this.state === "welcome");
        return this.fatal(e.message, silent ? [] : [e.message], true);
      }
      throw e;
    }
  }

  private handle(f: Record<string, unknown>): Step {
    const d = this.deps;
    switch (this.state) {
      case "hello": {
        const h = parseHello(f);
        if (h.node_id === d.self.nodeId) return this.fatal("connection from myself", ["Self connection"]);
        this.circle = d.store.getCircle(h.circle_id);
        if (!this.circle) return this.fatal("unknown circle", ["Unknown circle_id"]);
        this.result.circleId = h.circle_id;
        this.secret = fromHex(this.circle.secretHex);
        this.clientNonce = h.nonce ?? "";
        this.peerExt = d.ext !== false ? h.ext : undefined;
        this.pendingHello = { nodeId: h.node_id, listenAddr: h.listen_addr };
        this.result.peerNodeId = h.node_id;
        this.serverNonce = toHex(d.rng(16));
        this.state = "auth";
        return { send: [JSON.stringify({ t: "CHALLENGE", nonce: this.serverNonce })] };
      }
      case "auth": {
        const a = parseHelloAuth(f);
        const hello = this.pendingHello!;
        const expect = handshakeToken(this.secret, hello.nodeId, this.result.circleId, this.serverNonce);
        if (!timingSafeEqualStr(expect, a.token)) return this.fatal("auth failed", ["Auth failed"]);
        const lp = hello.listenAddr ? parseHostPort(hello.listenAddr) : null;
        const addr = lp && this.remoteIp ? formatHostPort(this.remoteIp, lp.port) : null;
        this.result.proto = this.peerExt ? "ext" : "v1";
        recordInbound(
          d.store,
          this.result.circleId,
          hello.nodeId,
          addr && !d.self.isSelfAddr(addr) ? addr : null,
          d.now(),
          this.result.proto,
        );
        const welcome: Record<string, unknown> = {
          t: "WELCOME",
          node_id: d.self.nodeId,
          enc_ready: !!this.clientNonce,
          can_anchor: false,
        };
        if (this.peerExt) welcome.ext = { impl: FELUND_IMPL, max_line: EXT_LINE_MAX };
        const out = [JSON.stringify(welcome)];
        if (this.clientNonce) {
          this.key = sessionKey(this.secret, this.clientNonce, this.serverNonce);
          this.result.encrypted = true;
        }
        return { send: [...out, ...this.syncOpening()] };
      }
      case "challenge": {
        const c = parseChallenge(f);
        this.serverNonce = c.nonce;
        this.state = "welcome";
        const token = handshakeToken(this.secret, d.self.nodeId, this.result.circleId, c.nonce);
        return { send: [JSON.stringify({ t: "HELLO_AUTH", token })] };
      }
      case "welcome": {
        const w = parseWelcome(f);
        if (w.node_id === d.self.nodeId) {
          this.result.selfDial = true;
          return this.fatal("dialled myself", []);
        }
        this.result.peerNodeId = w.node_id;
        this.peerExt = d.ext !== false ? w.ext : undefined;
        this.result.proto = this.peerExt ? "ext" : "v1";
        // W1: every honest server (an original or ours) encrypts when the client sent a nonce;
        // one that answers in plaintext is an impostor after our history, so say nothing more
        if (this.clientNonce && !w.enc_ready)
          return this.fatal("downgrade: the server refused encryption after we asked for it", []);
        if (this.clientNonce) {
          this.key = sessionKey(this.secret, this.clientNonce, this.serverNonce);
          this.result.encrypted = true;
        }
        return { send: this.syncOpening() };
      }
      case "peers":
        this.theirPeers = parsePeers(f).peers;
        this.state = "have";
        return { send: [] };
      case "have": {
        const have = parseMsgsHave(f).msg_ids;
        const peer = this.result.peerNodeId;
        if (peer) {
          this.result.peersChanged = mergeGossipPeers(d.store, d.self, this.result.circleId, this.theirPeers, d.now());
          const held = d.knowledge.heldBy(this.result.circleId, peer);
          for (const id of have) held.add(id);
          this.result.peerHolds = [...have];
        }
        const missing = d.store.missingIds(have);
        const cap = Math.min(
          this.idsCapacity("MSGS_REQ"),
          this.peerExt ? Infinity : d.knowledge.reqBudget(this.result.circleId, peer),
        );
        this.requested = missing.slice(0, cap);
        if (missing.length > this.requested.length) this.result.more = true;
        this.state = "req";
        return {
          send: [
            this.encode(JSON.stringify({ t: "MSGS_REQ", circle_id: this.result.circleId, msg_ids: this.requested })),
          ],
        };
      }
      case "req": {
        const req = parseMsgsReq(f).msg_ids;
        const held = this.result.peerNodeId
          ? d.knowledge.heldBy(this.result.circleId, this.result.peerNodeId)
          : new Set<string>();
        for (const id of req) held.delete(id);
        const budget = this.plainBudget();
        const head = `{"t":"MSGS_SEND","circle_id":${JSON.stringify(this.result.circleId)},"messages":[`;
        let size = utf8Length(head) + 2;
        const parts: string[] = [];
        const newer = !!this.result.peerNodeId && d.knowledge.isNewer(this.result.circleId, this.result.peerNodeId);
        for (const m of d.store.getMessages(this.result.circleId, req)) {
          if (!m.mac) continue;
          const s = wireText(d.store, m, newer, budget - utf8Length(head) - 2);
          const add = utf8Length(s) + (parts.length ? 1 : 0);
          if (size + add > budget) {
            this.result.more = true;
            break;
          }
          size += add;
          parts.push(s);
          held.add(m.msgId);
          this.sentIds.push(m.msgId);
        }
        this.result.sent = parts.length;
        this.state = "send";
        return { send: [this.encode(head + parts.join(",") + "]}")] };
      }
      case "send": {
        const raws = parseMsgsSend(f).messages;
        const r = mergeWireMessages(d.store, d.calls, this.result.circleId, this.secret, raws, d.now());
        this.result.stored = r.stored;
        this.result.rejected = r.rejected;
        const peer = this.result.peerNodeId;
        if (peer) {
          if (raws.length) d.knowledge.noteWriter(this.result.circleId, peer, writesEnc(raws));
          const held = d.knowledge.heldBy(this.result.circleId, peer);
          for (const m of r.stored) held.add(m.msgId);
          if (raws.length < this.requested.length) this.result.more = true;
          else if (this.requested.length > 0) d.knowledge.grow(this.result.circleId, peer, this.requested.length);
          if (this.role === "client")
            recordDialOk(d.store, this.result.circleId, peer, this.dialAddr, d.now(), this.result.proto);
        }
        this.result.completed = true;
        if (this.sentIds.length) (this.result.peerHolds ??= []).push(...this.sentIds);
        this.state = "done";
        return { send: [], close: { reason: "done", error: false } };
      }
      default:
        return { send: [] };
    }
  }

  /** The connection failed (EOF, timeout, socket error) before the exchange completed. */
  abort(reason: string): void {
    if (this.state === "send" && !this.peerExt && this.result.peerNodeId && this.requested.length) {
      this.deps.knowledge.shrink(this.result.circleId, this.result.peerNodeId); // likely "Frame too large" on their side
      // an original that cannot send it answers at once (ERROR or close); a silent peer gets no retry
      this.result.retry = !/timeout|deadline/.test(reason);
    }
    if (this.sentIds.length && !this.result.completed && this.result.peerNodeId) {
      // the peer may never have read our MSGS_SEND (an original closes at once when its own
      // reply is too large): do not count those messages as held, offer them again
      const held = this.deps.knowledge.heldBy(this.result.circleId, this.result.peerNodeId);
      for (const id of this.sentIds) held.delete(id);
      this.sentIds = [];
    }
    this.state = "done";
    this.abortReason ||= reason;
  }
  abortReason = "";

  /** PEERS and MSGS_HAVE, each within this peer's line budget (v1-offer.ts). */
  private syncOpening(): string[] {
    const budget = this.plainBudget();
    const o = syncOffer(this.deps, this.result.circleId, this.result.peerNodeId, !!this.peerExt, budget);
    if (o.more) this.result.more = true;
    this.state = "peers";
    return [this.encode(o.peers), this.encode(o.have)];
  }

  private plainBudget(): number {
    return lineBudget(this.peerExt, !!this.key);
  }

  private idsCapacity(t: string): number {
    return idsCapacity(t, this.result.circleId, this.plainBudget());
  }

  private encode(json: string): string {
    return this.key ? encryptFrameLine(this.key, json, this.deps.rng(12)) : json;
  }

  private decode(line: string): Record<string, unknown> {
    if (!this.key) return parseJsonFrame(line);
    if (line.startsWith("{")) {
      // the original sends "Internal error" in plaintext even inside encrypted sessions
      const f = parseJsonFrame(line);
      if (f.t === "ERROR") return f;
      throw new ProtocolError("plaintext frame inside an encrypted session");
    }
    return parseJsonFrame(decryptFrameLine(this.key, line));
  }

  private fatal(reason: string, errorFrames: string[], protocolError = false): Step {
    const send = errorFrames.map((err) => this.encode(JSON.stringify({ t: "ERROR", err })));
    this.abort(reason);
    return { send, close: { reason, error: protocolError || errorFrames.length > 0 || reason !== "done" } };
  }
}
