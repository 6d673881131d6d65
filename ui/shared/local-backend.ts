// Backend over the local node's HTTP API and its WebSocket (/api/ws). Runs in the browser
// (served by `felund serve`) and in Bun (the TUI), with the per-install token.
import { type ErrorCode, FelundError } from "../../src/protocol/errors.ts";
import { codeForStatus } from "../../src/protocol/error-status.ts";
import type { Backend, InviteOptions, RefOp } from "./backend.ts";
import type { NotifyPrefs } from "../../src/peer/notify-prefs.ts";
import type {
  AttachmentView,
  FileUpload,
  Progress,
  AppState,
  BackendEvent,
  CallOp,
  CallSignalType,
  CallView,
  ConnectionState,
  MemberView,
  DmView,
  MessageView,
  PeerView,
  PinView,
  SearchOpts,
  SearchPage,
  AccessMode,
  InviteView,
} from "./types.ts";

export interface LocalBackendOptions {
  /** e.g. "http://127.0.0.1:9990" ("" = same origin in a browser) */
  base: string;
  token: string;
  /** WebSocket constructor (defaults to the global one) */
  WebSocketImpl?: typeof WebSocket;
  reconnectMs?: number;
}

export class LocalBackend implements Backend {
  readonly kind = "local" as const;
  private listeners = new Set<(e: BackendEvent) => void>();
  private ws: WebSocket | null = null;
  private state: ConnectionState = "connecting";
  private closed = false;
  private retry: ReturnType<typeof setTimeout> | null = null;
  /** the last plain invite code per circle (inviteCode) */
  private lastCodes = new Map<string, string>();

  constructor(private o: LocalBackendOptions) {}

  private async call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.o.base}/api${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.o.token}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch {
      throw new FelundError("E_UNREACHABLE", "cannot reach the local node", 0);
    }
    const json = (await res.json().catch(() => ({}))) as any;
    if (!res.ok || json.ok === false) {
      const msg = json.error ?? json.detail ?? (typeof json.message === "string" ? json.message : `HTTP ${res.status}`);
      // the node's own code when it sent one (an answer from elsewhere in the stack: the code of its status)
      throw new FelundError(
        json.code ?? codeForStatus(res.status),
        res.status === 422 ? `invalid input: ${String(json.summary ?? msg)}` : msg,
        res.status,
      );
    }
    return json as T;
  }

  async getState(): Promise<AppState> {
    const s = await this.call<AppState>("GET", "/state");
    return { node: s.node, circles: s.circles, calls: s.calls ?? [] };
  }
  async listMessages(
    circleId: string,
    channelId: string,
    opts: { limit: number; before?: { sortMs: number; seq: number } },
  ): Promise<MessageView[]> {
    const q = new URLSearchParams({ channel: channelId, limit: String(opts.limit), events: "1" });
    if (opts.before) {
      q.set("before_ms", String(opts.before.sortMs));
      q.set("before_seq", String(opts.before.seq));
    }
    return (await this.call("GET", `/circles/${circleId}/messages?${q}`)).messages;
  }
  async search(circleId: string, query: string, opts: SearchOpts = {}): Promise<SearchPage> {
    const q = new URLSearchParams({ q: query });
    if (opts.channelId !== undefined) q.set("channel", opts.channelId);
    if (opts.limit !== undefined) q.set("limit", String(opts.limit));
    if (opts.before) {
      q.set("before_ms", String(opts.before.sortMs));
      q.set("before_seq", String(opts.before.seq));
    }
    const r = await this.call("GET", `/circles/${circleId}/search?${q}`);
    return r.next ? { hits: r.hits, next: r.next } : { hits: r.hits };
  }
  async getNotify(): Promise<NotifyPrefs> {
    return (await this.call("GET", "/notify")).prefs;
  }
  async setNotify(prefs: NotifyPrefs): Promise<void> {
    await this.call("PUT", "/notify", { prefs });
  }
  async listPins(circleId: string, channelId: string): Promise<PinView[]> {
    return (await this.call("GET", `/circles/${circleId}/pins?${new URLSearchParams({ channel: channelId })}`)).pins;
  }
  async pin(circleId: string, channelId: string, msgId: string, pinned: boolean): Promise<void> {
    await this.call("POST", `/circles/${circleId}/pins`, { channel: channelId, msgId, pinned });
  }
  async typing(circleId: string, channelId: string): Promise<void> {
    await this.call("POST", `/circles/${circleId}/typing`, { channel: channelId });
  }
  async refAction(circleId: string, msgId: string, a: RefOp): Promise<MessageView> {
    const { op, ...body } = a;
    return (await this.call("POST", `/circles/${circleId}/messages/${msgId}/${op}`, body)).message;
  }
  async send(circleId: string, channelId: string, text: string): Promise<MessageView> {
    return (await this.call("POST", `/circles/${circleId}/messages`, { channel: channelId, text })).message;
  }
  async attach(circleId: string, channelId: string, file: FileUpload, progress?: Progress): Promise<MessageView> {
    const q = new URLSearchParams({
      channel: channelId,
      name: file.name,
      mime: file.mime || "application/octet-stream",
    });
    if (file.caption) q.set("caption", file.caption);
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.o.token}`,
      "content-type": "application/octet-stream",
    };
    if (file.thumb) {
      q.set("thumb_mime", file.thumb.mime);
      // btoa, not bytes.ts: that module sits in the relay peer's shared chunk, which the local first load must not pull in
      headers["x-felund-thumb"] = btoa(String.fromCharCode(...file.thumb.bytes));
    }
    progress?.(0, file.bytes.length);
    const res = await this.raw(`/circles/${circleId}/attachments?${q}`, { method: "POST", headers, body: file.bytes });
    const json = (await res.json()) as { message: MessageView };
    progress?.(file.bytes.length, file.bytes.length);
    return json.message;
  }
  async attachmentInfo(circleId: string, msgId: string): Promise<AttachmentView> {
    return (await this.call<{ attachment: AttachmentView }>("GET", `/circles/${circleId}/attachments/${msgId}`))
      .attachment;
  }
  async fetchAttachment(circleId: string, msgId: string, progress?: Progress): Promise<Uint8Array> {
    const res = await this.raw(`/circles/${circleId}/attachments/${msgId}/file`, {
      method: "GET",
      headers: { authorization: `Bearer ${this.o.token}` },
    });
    const b = new Uint8Array(await res.arrayBuffer());
    progress?.(b.length, b.length);
    return b;
  }
  /** A request whose answer is not JSON when it succeeds (attachments); errors are JSON as everywhere. */
  private async raw(path: string, init: { method: string; headers: Record<string, string>; body?: Uint8Array }) {
    let res: Response;
    try {
      res = await fetch(`${this.o.base}/api${path}`, init as RequestInit);
    } catch {
      throw new FelundError("E_UNREACHABLE", "cannot reach the local node", 0);
    }
    if (res.ok) return res;
    const json = (await res.json().catch(() => ({}))) as { error?: string; code?: string };
    throw new FelundError(
      (json.code as ErrorCode | undefined) ?? codeForStatus(res.status),
      json.error ?? `HTTP ${res.status}`,
      res.status,
    );
  }
  async createCircle(name: string, opts: { legacy?: boolean } = {}) {
    const r = await this.call("POST", "/circles", { name, ...(opts.legacy ? { legacy: true } : {}) });
    return { circleId: r.circleId as string, code: r.code as string };
  }
  async joinCircle(code: string) {
    const r = await this.call("POST", "/circles/join", { code });
    return { circleId: r.circleId as string };
  }
  async leaveCircle(circleId: string) {
    await this.call("DELETE", `/circles/${circleId}`);
  }
  async renameCircle(circleId: string, name: string) {
    await this.call("POST", `/circles/${circleId}/name`, { name });
  }
  async setHistory(circleId: string, policy: string) {
    return (await this.call("POST", `/circles/${circleId}/history`, { policy })).policy as string;
  }
  /**
   * A plain request (the F2 dialog) gives the last code again while its invite is live with
   * most of its life left, so reopening the dialog does not issue (and list) a new invite each
   * time; a revoked one (by hand or by a kick) is never handed out again.
   */
  async inviteCode(circleId: string, opts: InviteOptions = {}) {
    const plain = opts.ttlS === undefined && opts.maxUses === undefined;
    const key = `${circleId} ${opts.route === "relay" ? "relay" : "lan"}`;
    const last = plain ? this.lastCodes.get(key) : undefined;
    if (last) {
      // (loaded here, not at first load: the F2 dialog's chunk has it already)
      const id = (await import("./invites.ts")).codeInviteId(last);
      const v = id ? (await this.listInvites(circleId).catch(() => [])).find((x) => x.inviteId === id) : undefined;
      if (v && v.state === "live" && (v.expiresTs - Date.now() / 1000) * 2 > v.expiresTs - v.createdTs) return last;
    }
    const { route, ...limits } = opts;
    const q = new URLSearchParams([
      ...Object.entries(limits)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)]),
      ...(route === "relay" ? [["viaRelay", "1"]] : []),
    ]).toString();
    const code = (await this.call("GET", `/circles/${circleId}/invite${q ? "?" + q : ""}`)).code as string;
    if (plain) this.lastCodes.set(key, code);
    return code;
  }
  async listInvites(circleId: string): Promise<InviteView[]> {
    return (await this.call("GET", `/circles/${circleId}/invites`)).invites;
  }
  async revokeInvite(circleId: string, inviteId: string) {
    await this.call("POST", `/circles/${circleId}/invites/${encodeURIComponent(inviteId)}/revoke`);
  }
  async kickMembers(circleId: string, members: string[]) {
    await this.call("POST", `/circles/${circleId}/kick`, { members });
  }
  async approveMember(circleId: string, channel: string, member: string) {
    await this.call("POST", `/circles/${circleId}/channels/${encodeURIComponent(channel)}/approve`, { member });
  }
  async createChannel(circleId: string, name: string, mode: AccessMode, key?: string) {
    await this.call("POST", `/circles/${circleId}/channels`, { name, mode, key });
  }
  async joinChannel(circleId: string, name: string, key?: string) {
    await this.call("POST", `/circles/${circleId}/channels/${encodeURIComponent(name)}/join`, { key });
  }
  async leaveChannel(circleId: string, name: string) {
    await this.call("POST", `/circles/${circleId}/channels/${encodeURIComponent(name)}/leave`);
  }
  async listPeers(circleId: string): Promise<PeerView[]> {
    return (await this.call("GET", `/circles/${circleId}/peers`)).peers;
  }
  async listMembers(circleId: string): Promise<MemberView[]> {
    return (await this.call("GET", `/circles/${circleId}/members`)).members;
  }
  async listDms(circleId: string): Promise<DmView[]> {
    return (await this.call("GET", `/circles/${circleId}/dms`)).dms;
  }
  async openDm(circleId: string, member: string): Promise<DmView> {
    return (await this.call("POST", `/circles/${circleId}/dms`, { member })).dm;
  }
  async getDraft(circleId: string, channelId: string): Promise<string> {
    return (await this.call("GET", `/drafts/${circleId}/${encodeURIComponent(channelId)}`)).text;
  }
  async saveDraft(circleId: string, channelId: string, text: string) {
    await this.call("PUT", `/drafts/${circleId}/${encodeURIComponent(channelId)}`, { text });
  }
  async updateSettings(s: { displayName?: string; relayBase?: string }) {
    await this.call("POST", "/settings", s);
  }

  async callAction(
    circleId: string,
    op: CallOp,
    a: { sessionId?: string; channel?: string; target?: string },
  ): Promise<CallView | null> {
    return (await this.call("POST", `/circles/${circleId}/calls`, { op, ...a })).call ?? null;
  }
  async callSignal(circleId: string, sessionId: string, to: string, type: CallSignalType, data: string) {
    await this.call("POST", `/circles/${circleId}/calls/${sessionId}/signal`, { to, type, data });
  }
  async callAlive(circleId: string, sessionId: string) {
    await this.call("POST", `/circles/${circleId}/calls/${sessionId}/alive`);
  }

  subscribe(fn: (e: BackendEvent) => void): () => void {
    this.listeners.add(fn);
    if (!this.ws && !this.retry) this.connect();
    return () => this.listeners.delete(fn);
  }
  connection(): ConnectionState {
    return this.state;
  }

  private setState(s: ConnectionState) {
    if (s === this.state) return;
    this.state = s;
    this.emit({ t: "connection", state: s });
  }
  private emit(e: BackendEvent) {
    for (const fn of this.listeners) fn(e);
  }

  private connect() {
    if (this.closed) return;
    const WS = this.o.WebSocketImpl ?? WebSocket;
    const base = this.o.base || (typeof location !== "undefined" ? location.origin : "");
    const url = base.replace(/^http/, "ws") + `/api/ws?token=${encodeURIComponent(this.o.token)}`;
    const ws = new WS(url);
    this.ws = ws;
    ws.onopen = () => this.setState("live");
    ws.onmessage = (ev) => {
      let e: any;
      try {
        e = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (e && typeof e.t === "string" && e.t !== "hello") this.emit(e as BackendEvent);
    };
    ws.onclose = () => {
      this.ws = null;
      if (this.closed) return;
      this.setState("offline");
      this.retry = setTimeout(() => {
        this.retry = null;
        this.setState("connecting");
        this.connect();
      }, this.o.reconnectMs ?? 2000);
    };
  }

  close() {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.ws?.close();
  }
}
