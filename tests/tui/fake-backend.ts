// An in-memory Backend for the TUI render tests: circles, channels and messages held in
// plain objects, events pushed by the test with emit(). Times are fixed so frames are stable.
import type { Backend } from "../../ui/shared/backend.ts";
import { FelundError } from "../../src/protocol/errors.ts";
import { matchText, parseSearchQuery, snippetOf } from "../../src/sync/search.ts";
import type {
  AccessMode,
  AppState,
  BackendEvent,
  ChannelView,
  CircleView,
  ConnectionState,
  InviteView,
  MemberView,
  MessageView,
  PeerView,
  SearchOpts,
  SearchPage,
} from "../../ui/shared/types.ts";

export const T0 = Math.floor(new Date(2025, 0, 15, 10, 32, 0).getTime() / 1000);

const chan = (channelId: string, mode: AccessMode = "public"): ChannelView => ({
  channelId,
  accessMode: mode,
  createdBy: "",
  createdTs: T0,
  members: [],
  requests: [],
  joined: true,
});

export class FakeBackend implements Backend {
  readonly kind = "local" as const;
  app: AppState;
  messages: MessageView[] = [];
  peers: PeerView[] = [];
  /** the circle's members other than you (listMembers adds you) */
  members: MemberView[] = [];
  settings: { displayName?: string; relayBase?: string }[] = [];
  private listeners = new Set<(e: BackendEvent) => void>();
  private seq = 0;
  conn: ConnectionState = "live";

  constructor(opts: { circles?: boolean; name?: string } = {}) {
    this.app = {
      node: { nodeId: "a3f8b2c4d5e6f708192a3b4c", displayName: opts.name ?? "me", relayBase: "" },
      circles:
        opts.circles === false
          ? []
          : [
              {
                circleId: "c1c1c1c1c1c1c1c1c1c1c1c1",
                name: "mygroup",
                owned: true,
                members: 2,
                messages: 0,
                channels: [chan("general"), chan("random")],
              },
            ],
      calls: [],
    };
  }

  addMessage(
    author: string,
    authorNodeId: string,
    text: string,
    opts: {
      channelId?: string;
      ts?: number;
      circleId?: string;
      emit?: boolean;
      late?: boolean;
      receivedAt?: number;
    } = {},
  ): MessageView {
    const ts = opts.ts ?? T0 + this.seq * 60;
    const m: MessageView = {
      seq: ++this.seq,
      msgId: `m${String(this.seq).padStart(6, "0")}`,
      circleId: opts.circleId ?? this.app.circles[0]!.circleId,
      channelId: opts.channelId ?? "general",
      authorNodeId,
      author,
      displayName: author,
      createdTs: ts,
      sortTs: ts,
      sortMs: ts * 1000,
      late: opts.late ?? false,
      receivedAt: opts.receivedAt ?? ts,
      text,
      verified: "sig",
      own: authorNodeId === this.app.node.nodeId,
    };
    this.messages.push(m);
    if (opts.emit) this.emit({ t: "message", message: m });
    return m;
  }

  emit(e: BackendEvent) {
    for (const fn of this.listeners) fn(e);
  }

  async getState(): Promise<AppState> {
    return structuredClone(this.app);
  }
  async listMessages(
    circleId: string,
    channelId: string,
    opts: { limit: number; before?: { sortMs: number; seq: number } },
  ) {
    let list = this.messages.filter((m) => m.circleId === circleId && m.channelId === channelId);
    if (opts.before)
      list = list.filter(
        (m) => m.sortMs < opts.before!.sortMs || (m.sortMs === opts.before!.sortMs && m.seq < opts.before!.seq),
      );
    return list.slice(-opts.limit);
  }
  /** the browser store's scan over the messages held here, newest first (no paging) */
  async search(circleId: string, query: string, opts: SearchOpts = {}): Promise<SearchPage> {
    const q = parseSearchQuery(query);
    const hits = this.messages
      .filter((m) => m.circleId === circleId && (!opts.channelId || m.channelId === opts.channelId))
      .filter((m) => matchText(m.text, q))
      .sort((a, b) => b.sortMs - a.sortMs || b.seq - a.seq)
      .slice(0, opts.limit ?? 20)
      .map((m) => ({ ...m, snippet: snippetOf(m.text, q) }));
    return { hits };
  }
  async send(circleId: string, channelId: string, text: string) {
    return this.addMessage(this.app.node.displayName, this.app.node.nodeId, text, {
      circleId,
      channelId,
      ts: T0 + 3600,
    });
  }
  private circle(id: string): CircleView {
    const c = this.app.circles.find((x) => x.circleId === id);
    if (!c) throw new FelundError("E_UNKNOWN_CIRCLE", `unknown circle: ${id}`);
    return c;
  }
  async createCircle(name: string) {
    const circleId = (name.replace(/\W/g, "") + "0".repeat(24)).slice(0, 24).toLowerCase();
    this.app.circles.push({ circleId, name, owned: true, members: 0, messages: 0, channels: [chan("general")] });
    return { circleId, code: `felund1.fake-${circleId}` };
  }
  async joinCircle(code: string) {
    if (!code.startsWith("felund1.")) throw new FelundError("E_BAD_INVITE", "invalid invite code: bad prefix");
    const circleId = "j0j0j0j0j0j0j0j0j0j0j0j0";
    this.app.circles.push({ circleId, name: "", owned: false, members: 0, messages: 0, channels: [chan("general")] });
    return { circleId };
  }
  async leaveCircle(circleId: string) {
    this.app.circles = this.app.circles.filter((c) => c.circleId !== circleId);
  }
  async renameCircle(circleId: string, name: string) {
    this.circle(circleId).name = name;
  }
  /** what inviteCode returns instead of the fake felund1 code (a test's real felund2 code) */
  code: string | null = null;
  async inviteCode(circleId: string) {
    return this.code ?? `felund1.fake-invite-code-for-${this.circle(circleId).circleId}`;
  }
  /** the owner's invites (listInvites / revokeInvite), newest first; revoked ids recorded */
  invites: InviteView[] = [];
  revoked: string[] = [];
  async listInvites(circleId: string) {
    this.circle(circleId);
    return structuredClone(this.invites);
  }
  async revokeInvite(circleId: string, inviteId: string) {
    this.circle(circleId);
    const v = this.invites.find((x) => x.inviteId === inviteId);
    if (!v) throw new FelundError("E_NOT_FOUND", `no invite "${inviteId}" in this circle`);
    v.state = "revoked";
    v.revokedTs = T0;
    this.revoked.push(inviteId);
  }
  async createChannel(circleId: string, name: string, mode: AccessMode) {
    const c = this.circle(circleId);
    if (c.channels.some((x) => x.channelId === name)) throw new FelundError("E_EXISTS", `#${name} already exists`);
    c.channels.push(chan(name, mode));
  }
  async joinChannel(circleId: string, name: string) {
    if (!this.circle(circleId).channels.some((x) => x.channelId === name))
      throw new FelundError("E_UNKNOWN_CHANNEL", `unknown channel: #${name}`);
  }
  async leaveChannel(circleId: string, name: string) {
    const c = this.circle(circleId);
    c.channels = c.channels.filter((x) => x.channelId !== name);
  }
  async listPeers(circleId: string) {
    return this.peers.filter((p) => p.circleId === circleId);
  }
  async listMembers(_circleId: string): Promise<MemberView[]> {
    const me = this.app.node;
    const you: MemberView = {
      nodeId: me.nodeId,
      name: me.displayName,
      you: true,
      online: true,
      path: null,
      proto: "",
      lastSeen: T0,
    };
    return [...this.members, you].sort((a, b) => a.name.localeCompare(b.name));
  }
  async updateSettings(s: { displayName?: string; relayBase?: string }) {
    this.settings.push(s);
    if (s.displayName !== undefined) this.app.node.displayName = s.displayName;
    if (s.relayBase !== undefined) this.app.node.relayBase = s.relayBase;
  }
  subscribe(fn: (e: BackendEvent) => void) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  connection() {
    return this.conn;
  }
  close() {}
}
