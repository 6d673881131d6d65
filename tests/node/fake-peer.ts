// A scripted "original-style" felund v1 peer for tests, written from the protocol description
// (docs/PROTOCOL-V1.md §3, §4) rather than from our engine: raw Bun TCP sockets, one circle,
// its own message set, and the Python node's limits. Like Python it refuses to *send* a
// line over 16384 bytes (32768 encrypted) — "Frame too large" — by closing the connection
// (the server side first sends a plaintext ERROR "Internal error"), and it requests every id
// it lacks in one MSGS_REQ. It records every line it receives, so tests can assert that we
// never sent it an oversized frame.
//
// Hostile tests drive a session by hand: `onSession` replaces the sync exchange after a
// valid handshake, and `sendRaw` writes any bytes at all.
import type { Socket, TCPSocketListener } from "bun";
import {
  hkdfSha256,
  hmacHex,
  aesGcmOpen,
  aesGcmSeal,
  systemRng,
  timingSafeEqualStr,
} from "../../src/protocol/crypto.ts";
import { fromHex, toHex } from "../../src/protocol/bytes.ts";
import { circleIdFromSecret } from "../../src/protocol/ids.ts";

export const PY_MSG_MAX = 16384;
export const PY_ENC_MAX = 32768;
/** asyncio's StreamReader line limit: longer lines raise in readline(). */
export const PY_READLINE_LIMIT = 65536;

export type WireObj = Record<string, unknown>;
export interface FakePeerEntry {
  node_id: string;
  addr: string;
  last_seen: number;
}

const now = () => Math.floor(Date.now() / 1000);
const REQUIRED = ["msg_id", "circle_id", "author_node_id", "created_ts", "text"];
const KNOWN = new Set([...REQUIRED, "channel_id", "display_name", "mac", "schema_version"]);

export function fakeMac(secretHex: string, m: WireObj): string {
  const input = `${m.msg_id}|${m.circle_id}|${m.channel_id ?? "general"}|${m.author_node_id}|${m.display_name ?? ""}|${m.created_ts}|${m.text}`;
  return hmacHex(fromHex(secretHex), input);
}

/** A Python-shaped message object (§4.1 key order) with a valid MAC. */
export function fakeMessage(
  secretHex: string,
  author: string,
  createdTs: number | string,
  text: string,
  extra: Partial<WireObj> = {},
): WireObj {
  const m: WireObj = {
    msg_id: toHex(systemRng(16)),
    circle_id: circleIdFromSecret(secretHex),
    author_node_id: author,
    created_ts: createdTs,
    text,
    channel_id: "general",
    display_name: "py",
    mac: "",
    schema_version: 1,
    ...extra,
  };
  m.mac = fakeMac(secretHex, m);
  return m;
}

/** One TCP connection as the Python asyncio code sees it: readline() and write(). */
class LineSocket {
  private buf: Buffer = Buffer.alloc(0);
  private lines: string[] = [];
  private eof = false;
  private overrun = false;
  private wake: (() => void) | null = null;
  private out: Buffer[] = [];
  closed = false;

  constructor(readonly sock: Socket<{ ls?: LineSocket }>) {}

  onData(chunk: Uint8Array): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
    for (let i = this.buf.indexOf(10); i >= 0; i = this.buf.indexOf(10)) {
      this.lines.push(this.buf.subarray(0, i + 1).toString("utf8"));
      this.buf = this.buf.subarray(i + 1);
    }
    if (this.buf.length > PY_READLINE_LIMIT) this.overrun = true;
    this.notify();
  }
  onClose(): void {
    this.eof = true;
    this.closed = true;
    this.notify();
  }
  onDrain(): void {
    while (this.out.length) {
      const b = this.out[0]!;
      const n = this.sock.write(b);
      if (n < b.length) {
        this.out[0] = b.subarray(Math.max(0, n));
        return;
      }
      this.out.shift();
    }
  }
  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** The next line including its "\n"; null on EOF; throws on a line over the readline limit or on timeout. */
  async readLine(timeoutMs: number): Promise<string | null> {
    const t0 = Date.now();
    for (;;) {
      if (this.lines.length) {
        const l = this.lines.shift()!;
        if (Buffer.byteLength(l) > PY_READLINE_LIMIT)
          throw new Error("Separator is not found, and chunk exceed the limit");
        return l;
      }
      if (this.overrun) throw new Error("Separator is not found, and chunk exceed the limit");
      if (this.eof) return null;
      const left = timeoutMs - (Date.now() - t0);
      if (left <= 0) throw new Error("read timeout");
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  }

  write(s: string | Uint8Array): void {
    if (this.closed) return;
    const b = typeof s === "string" ? Buffer.from(s, "utf8") : Buffer.from(s);
    if (this.out.length) {
      this.out.push(b);
      return;
    }
    const n = this.sock.write(b);
    if (n < b.length) this.out.push(b.subarray(Math.max(0, n)));
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.end();
  }
}

class FrameTooLarge extends Error {}

/** One authenticated session, after WELCOME. */
export class FakeSession {
  key: Uint8Array | null = null;
  peerNodeId = "";
  /** set when a frame could not be decoded, or a line exceeded the receive limit */
  error = "";
  constructor(
    readonly peer: FakePeer,
    readonly ls: LineSocket,
    readonly role: "client" | "server",
  ) {}

  get encrypted(): boolean {
    return this.key !== null;
  }

  /** Send one frame as Python's send_frame does: refuse (throw) above the limit. */
  sendFrame(obj: WireObj): void {
    const json = JSON.stringify(obj);
    let line: string;
    if (this.key) {
      const nonce = systemRng(12);
      const ct = aesGcmSeal(this.key, nonce, new TextEncoder().encode(json));
      line = Buffer.concat([nonce, ct]).toString("base64") + "\n";
      if (Buffer.byteLength(line) > this.peer.encMax) throw new FrameTooLarge("Frame too large");
    } else {
      line = json + "\n";
      if (Buffer.byteLength(line) > this.peer.plainMax) throw new FrameTooLarge("Frame too large");
    }
    this.peer.sentLines.push(Buffer.byteLength(line));
    this.ls.write(line);
  }

  /** Write raw text/bytes with no checks at all (hostile tests). */
  sendRaw(s: string | Uint8Array): void {
    this.ls.write(s);
  }

  /** Encrypt any JSON text (even a non-object) as a session frame, no size check. */
  sendRawFrame(json: string): void {
    if (!this.key) return this.sendRaw(json + "\n");
    const nonce = systemRng(12);
    this.sendRaw(
      Buffer.concat([nonce, aesGcmSeal(this.key, nonce, new TextEncoder().encode(json))]).toString("base64") + "\n",
    );
  }

  /** Read and decode one frame; null on EOF or an undecodable frame (session.error says why). */
  async readFrame(timeoutMs = 5000): Promise<WireObj | null> {
    const line = await this.ls.readLine(timeoutMs);
    if (line === null) return null;
    const bytes = Buffer.byteLength(line);
    this.peer.received.push({ bytes, encrypted: !!this.key && !line.startsWith("{") });
    if (!this.key && bytes > this.peer.plainMax) {
      this.peer.oversized.push(bytes);
      this.error = "Frame too large";
      return null;
    }
    if (this.key && bytes > this.peer.encMax) this.peer.oversized.push(bytes);
    let json = line.trim();
    if (this.key && !json.startsWith("{")) {
      const raw = Buffer.from(json, "base64");
      if (raw.length < 28) {
        this.error = "Bad encrypted frame";
        return null;
      }
      try {
        json = new TextDecoder().decode(aesGcmOpen(this.key, raw.subarray(0, 12), raw.subarray(12)));
      } catch {
        this.error = "InvalidTag";
        return null;
      }
    }
    this.peer.frameTexts.push(json);
    try {
      const v = JSON.parse(json);
      if (!v || typeof v !== "object" || Array.isArray(v)) {
        this.error = "not an object";
        return null;
      }
      return v as WireObj;
    } catch {
      this.error = "not JSON";
      return null;
    }
  }

  close(): void {
    this.ls.close();
  }
}

export interface SessionLog {
  role: "client" | "server";
  peerNodeId: string;
  encrypted: boolean;
  /** "done", or why it ended early */
  outcome: string;
  requested: number;
  sent: number;
  stored: number;
  rejected: string[];
}

export interface FakePeerOptions {
  secretHex: string;
  nodeId?: string;
  /** client role: ask for an encrypted session (send a HELLO nonce); default true */
  encrypt?: boolean;
  /** listen_addr advertised in HELLO (client role); default the listener's address if any */
  listenAddr?: string;
  plainMax?: number;
  encMax?: number;
  /** replaces the sync exchange (§3.4) after a valid handshake */
  onSession?: (s: FakeSession) => Promise<void>;
  /** per-frame read timeout (Python: 30 s) */
  readTimeoutMs?: number;
  /** hostile: message objects appended to every MSGS_SEND, requested or not */
  unrequested?: unknown[];
}

export class FakePeer {
  readonly secretHex: string;
  readonly circleId: string;
  readonly nodeId: string;
  readonly messages = new Map<string, WireObj>();
  readonly peers = new Map<string, FakePeerEntry>();
  readonly members = new Set<string>();
  /** every line received: size in bytes (incl. "\n") */
  readonly received: { bytes: number; encrypted: boolean }[] = [];
  /** lines received above the limit Python enforces (must stay empty) */
  readonly oversized: number[] = [];
  readonly sentLines: number[] = [];
  /** how often each msg_id arrived in a MSGS_SEND (new or not): a path matrix asserts "exactly once" with it */
  readonly deliveries = new Map<string, number>();
  /** the JSON text of every sync frame received (after decryption), as it came */
  readonly frameTexts: string[] = [];
  /** frames this peer refused to send ("Frame too large") */
  refusedSends = 0;
  readonly sessions: SessionLog[] = [];
  plainMax: number;
  encMax: number;
  private listener: TCPSocketListener<{ ls?: LineSocket }> | null = null;
  private open = new Set<LineSocket>();
  port = 0;

  constructor(readonly opts: FakePeerOptions) {
    this.secretHex = opts.secretHex;
    this.circleId = circleIdFromSecret(opts.secretHex);
    this.nodeId = opts.nodeId ?? toHex(systemRng(12));
    this.plainMax = opts.plainMax ?? PY_MSG_MAX;
    this.encMax = opts.encMax ?? PY_ENC_MAX;
  }

  get addr(): string {
    return `127.0.0.1:${this.port}`;
  }

  addMessages(ms: WireObj[]): void {
    for (const m of ms) this.messages.set(String(m.msg_id), m);
  }

  private handlers(onOpen: (ls: LineSocket) => void) {
    return {
      open: (sock: Socket<{ ls?: LineSocket }>) => {
        const ls = new LineSocket(sock);
        sock.data = { ls };
        this.open.add(ls);
        onOpen(ls);
      },
      data: (sock: Socket<{ ls?: LineSocket }>, chunk: Uint8Array) => sock.data?.ls?.onData(chunk),
      drain: (sock: Socket<{ ls?: LineSocket }>) => sock.data?.ls?.onDrain(),
      close: (sock: Socket<{ ls?: LineSocket }>) => {
        const ls = sock.data?.ls;
        if (ls) {
          ls.onClose();
          this.open.delete(ls);
        }
      },
      error: () => {},
    };
  }

  /** Listen on 127.0.0.1:0 and serve (server role) every connection. */
  listen(): number {
    this.listener = Bun.listen<{ ls?: LineSocket }>({
      hostname: "127.0.0.1",
      port: 0,
      socket: this.handlers((ls) => void this.serve(ls)),
    });
    this.port = this.listener.port;
    return this.port;
  }

  /** Dial `addr` (client role) and run one session. */
  async dial(addr: string): Promise<SessionLog> {
    const i = addr.lastIndexOf(":");
    let opened!: (ls: LineSocket) => void;
    const lsP = new Promise<LineSocket>((r) => (opened = r));
    await Bun.connect<{ ls?: LineSocket }>({
      hostname: addr.slice(0, i),
      port: Number(addr.slice(i + 1)),
      socket: { ...this.handlers(opened), connectError: () => {} },
    });
    return this.client(await lsP, addr);
  }

  stop(): void {
    this.listener?.stop(true);
    this.listener = null;
    for (const ls of this.open) ls.close();
  }

  private log(role: "client" | "server"): SessionLog {
    const l: SessionLog = {
      role,
      peerNodeId: "",
      encrypted: false,
      outcome: "",
      requested: 0,
      sent: 0,
      stored: 0,
      rejected: [],
    };
    this.sessions.push(l);
    return l;
  }

  private readTimeout(): number {
    return this.opts.readTimeoutMs ?? 10_000;
  }

  private async readPlain(ls: LineSocket): Promise<WireObj | null> {
    const line = await ls.readLine(this.readTimeout());
    if (line === null) return null;
    this.received.push({ bytes: Buffer.byteLength(line), encrypted: false });
    if (Buffer.byteLength(line) > this.plainMax) {
      this.oversized.push(Buffer.byteLength(line));
      return null;
    }
    try {
      const v = JSON.parse(line);
      return v && typeof v === "object" && !Array.isArray(v) ? v : null;
    } catch {
      return null;
    }
  }

  /** §3.2 server behaviour, then §3.4 as non-initiator. */
  private async serve(ls: LineSocket): Promise<void> {
    const log = this.log("server");
    const plainError = (err: string) => ls.write(JSON.stringify({ t: "ERROR", err }) + "\n");
    try {
      const hello = await this.readPlain(ls);
      if (!hello) {
        log.outcome = "no HELLO";
        return ls.close();
      }
      if (hello.t !== "HELLO") {
        plainError("Expected HELLO");
        log.outcome = "Expected HELLO";
        return ls.close();
      }
      if (hello.circle_id !== this.circleId) {
        plainError("Unknown circle_id");
        log.outcome = "Unknown circle_id";
        return ls.close();
      }
      const serverNonce = toHex(systemRng(16));
      ls.write(JSON.stringify({ t: "CHALLENGE", nonce: serverNonce }) + "\n");
      const auth = await this.readPlain(ls);
      if (auth?.t !== "HELLO_AUTH") {
        if (auth) plainError("Expected HELLO_AUTH");
        log.outcome = "Expected HELLO_AUTH";
        return ls.close();
      }
      const expect = hmacHex(fromHex(this.secretHex), `${hello.node_id}|${this.circleId}|${serverNonce}`);
      if (typeof auth.token !== "string" || !timingSafeEqualStr(expect, auth.token)) {
        plainError("Auth failed");
        log.outcome = "Auth failed";
        return ls.close();
      }
      const nodeId = String(hello.node_id);
      const listenAddr = typeof hello.listen_addr === "string" ? hello.listen_addr : "";
      if (listenAddr) {
        const port = listenAddr.slice(listenAddr.lastIndexOf(":") + 1);
        this.peers.set(nodeId, { node_id: nodeId, addr: `${ls.sock.remoteAddress}:${port}`, last_seen: now() });
      } else if (this.peers.has(nodeId)) this.peers.get(nodeId)!.last_seen = now();
      this.members.add(nodeId);
      const clientNonce = typeof hello.nonce === "string" ? hello.nonce : "";
      ls.write(
        JSON.stringify({ t: "WELCOME", node_id: this.nodeId, enc_ready: !!clientNonce, can_anchor: false }) + "\n",
      );
      const s = new FakeSession(this, ls, "server");
      s.peerNodeId = log.peerNodeId = nodeId;
      if (clientNonce)
        s.key = hkdfSha256(
          fromHex(this.secretHex),
          new Uint8Array([...fromHex(clientNonce), ...fromHex(serverNonce)]),
          "felund-session-v1",
        );
      log.encrypted = s.encrypted;
      await this.session(s, log);
    } catch (e) {
      // Python's handler: any exception -> plaintext "Internal error", close
      if (e instanceof FrameTooLarge) this.refusedSends++;
      log.outcome = (e as Error).message;
      plainError("Internal error");
      ls.close();
    }
  }

  /** §3.2 client behaviour, then §3.4 as initiator. */
  private async client(ls: LineSocket, dialled: string): Promise<SessionLog> {
    const log = this.log("client");
    try {
      const clientNonce = this.opts.encrypt === false ? "" : toHex(systemRng(16));
      const hello: WireObj = {
        t: "HELLO",
        node_id: this.nodeId,
        circle_id: this.circleId,
        listen_addr: this.opts.listenAddr ?? (this.port ? this.addr : ""),
        nonce: clientNonce,
        can_anchor: false,
      };
      ls.write(JSON.stringify(hello) + "\n");
      const ch = await this.readPlain(ls);
      if (ch?.t !== "CHALLENGE") {
        log.outcome = ch ? `got ${String(ch.t)}: ${String(ch.err ?? "")}` : "closed";
        ls.close();
        return log;
      }
      const token = hmacHex(fromHex(this.secretHex), `${this.nodeId}|${this.circleId}|${ch.nonce}`);
      ls.write(JSON.stringify({ t: "HELLO_AUTH", token }) + "\n");
      const w = await this.readPlain(ls);
      if (w?.t !== "WELCOME") {
        log.outcome = w ? `got ${String(w.t)}: ${String(w.err ?? "")}` : "closed";
        ls.close();
        return log;
      }
      const s = new FakeSession(this, ls, "client");
      const peerId = typeof w.node_id === "string" ? w.node_id : "";
      s.peerNodeId = log.peerNodeId = peerId;
      if (peerId && peerId !== this.nodeId) {
        this.peers.set(peerId, { node_id: peerId, addr: dialled, last_seen: now() });
        this.members.add(peerId);
      }
      if (w.enc_ready && clientNonce)
        s.key = hkdfSha256(
          fromHex(this.secretHex),
          new Uint8Array([...fromHex(clientNonce), ...fromHex(String(ch.nonce))]),
          "felund-session-v1",
        );
      log.encrypted = s.encrypted;
      await this.session(s, log);
    } catch (e) {
      if (e instanceof FrameTooLarge) this.refusedSends++;
      log.outcome = (e as Error).message;
      ls.close();
    }
    return log;
  }

  private async session(s: FakeSession, log: SessionLog): Promise<void> {
    if (this.opts.onSession) {
      await this.opts.onSession(s);
      log.outcome ||= "scripted";
      return;
    }
    await this.sync(s, log);
  }

  /** The PEERS list Python would send: members with a known address, freshest first. */
  peersFrame(): WireObj {
    const peers = [...this.peers.values()].filter((p) => p.addr).sort((a, b) => b.last_seen - a.last_seen);
    return { t: "PEERS", circle_id: this.circleId, peers };
  }

  haveFrame(): WireObj {
    return { t: "MSGS_HAVE", circle_id: this.circleId, msg_ids: [...this.messages.keys()].sort() };
  }

  /** §3.4, the same sequence in both roles. */
  async sync(s: FakeSession, log: SessionLog): Promise<void> {
    const bad = (err: string) => {
      log.outcome = err;
      try {
        s.sendFrame({ t: "ERROR", err });
      } catch {
        /* ignore */
      }
      s.close();
    };
    s.sendFrame(this.peersFrame());
    s.sendFrame(this.haveFrame());
    const peers = await s.readFrame(this.readTimeout());
    const have = peers && (await s.readFrame(this.readTimeout()));
    if (!peers || !have || peers.t !== "PEERS" || have.t !== "MSGS_HAVE") return bad(s.error || "Bad sync frames");
    for (const p of Array.isArray(peers.peers) ? peers.peers : []) {
      const e = p as FakePeerEntry;
      if (!e?.node_id || !e?.addr) continue;
      this.members.add(e.node_id);
      const cur = this.peers.get(e.node_id);
      if (!cur || e.last_seen > cur.last_seen)
        this.peers.set(e.node_id, { node_id: e.node_id, addr: e.addr, last_seen: e.last_seen });
    }
    const want = (have.msg_ids as string[]).filter((id) => !this.messages.has(id)).sort();
    log.requested = want.length;
    s.sendFrame({ t: "MSGS_REQ", circle_id: this.circleId, msg_ids: want });
    const req = await s.readFrame(this.readTimeout());
    if (req?.t !== "MSGS_REQ") return bad(s.error || "Expected MSGS_REQ");
    const out = (req.msg_ids as string[]).map((id) => this.messages.get(id)).filter((m): m is WireObj => !!m);
    s.sendFrame({ t: "MSGS_SEND", circle_id: this.circleId, messages: [...out, ...(this.opts.unrequested ?? [])] });
    log.sent = out.length;
    const send = await s.readFrame(this.readTimeout());
    if (send?.t !== "MSGS_SEND") return bad(s.error || "Expected MSGS_SEND");
    for (const raw of send.messages as WireObj[]) {
      const why = this.checkMessage(raw);
      if (why) {
        log.rejected.push(why);
        continue;
      }
      this.deliveries.set(String(raw.msg_id), (this.deliveries.get(String(raw.msg_id)) ?? 0) + 1);
      if (this.messages.has(String(raw.msg_id))) continue;
      this.messages.set(String(raw.msg_id), raw);
      log.stored++;
    }
    log.outcome = "done";
    s.close();
  }

  /** §4.5 steps 1-3: keys, circle, MAC. */
  checkMessage(m: WireObj): string {
    if (!m || typeof m !== "object") return "not an object";
    for (const k of REQUIRED) if (!(k in m)) return `missing ${k}`;
    for (const k of Object.keys(m)) if (!KNOWN.has(k)) return `unknown key ${k}`;
    if (m.circle_id !== this.circleId) return "other circle";
    const mac = typeof m.mac === "string" ? m.mac : "";
    if (!mac || !timingSafeEqualStr(fakeMac(this.secretHex, m), mac)) return "bad MAC";
    return "";
  }
}
