// Framework-agnostic client state: circles, current channel, messages per channel (deduped,
// in display order), unread and mention counts, notices, connection state. Each front end
// subscribes and re-renders (Solid signals in the web client, OpenTUI in the terminal).
import type { Backend } from "./backend.ts";
import { withDelivery } from "./delivery.ts";
import { mentions } from "./format.ts";
import { LabelCache } from "./chat-labels.ts";
import { HeldArrivals } from "./held-arrivals.ts";
import { idSuffix } from "./safe-text.ts";
import { checkLength } from "./text-limit.ts";
import type { BackendEvent, CircleView, DmView, MemberView, MessageView } from "./types.ts";

/** a direct-message conversation's channel (docs/PROTOCOL.md §21) */
export const isDm = (channelId: string): boolean => channelId.startsWith("__dm_");
import { beyondWindow, type ChatState, hasNewer, keyOf, mergeMessages, type Notice, PAGE } from "./chat-state.ts";
import { onFill } from "./chat-state.ts";

export { type ChatState, keyOf, mergeMessages, type Notice, PAGE };

export class ChatStore {
  state: ChatState = {
    ready: false,
    app: null,
    circleId: null,
    channelId: "general",
    messages: {},
    hasMore: {},
    newer: {},
    unread: {},
    mentioned: {},
    newFrom: {},
    notices: [],
    connection: "connecting",
    peers: {},
    members: {},
    debug: [],
    debugOn: false,
    authors: {},
    reach: {},
    dms: {},
    fill: {},
    typing: {},
  };
  private listeners = new Set<(s: ChatState) => void>();
  private unsub: (() => void) | null = null;
  private noticeId = 0;
  onMention: ((m: MessageView) => void) | null = null; // a new message that mentions this user (desktop notifications)
  onIncoming: ((m: MessageView) => void) | null = null; // any new message from others
  /** messages of a channel held at most (chat-window.ts: the web client's window); the TUI holds all it loaded */
  windowSize = Number.POSITIVE_INFINITY;
  arrivals = 0; // messages arrived or changed: a page fetched ahead before one is not used (chat-window.ts)
  /** a jump to a message is loading older pages (search.ts jumpTo): the log must not page newer meanwhile */
  jumping = false;

  constructor(readonly backend: Backend) {}

  subscribe(fn: (s: ChatState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  private set(patch: Partial<ChatState>) {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn(this.state);
  }

  get circle(): CircleView | undefined {
    return this.state.app?.circles.find((c) => c.circleId === this.state.circleId);
  }
  get currentKey(): string {
    return this.state.circleId ? keyOf(this.state.circleId, this.state.channelId) : "";
  }
  get currentMessages(): MessageView[] {
    return this.state.messages[this.currentKey] ?? [];
  }
  /** names of the other members known in a circle (default: the current one: authors, peers), for @completion and mentions */
  knownNames(circleId = this.state.circleId ?? ""): string[] {
    const me = this.state.app?.node.nodeId;
    return [...new Set([...this.labels(circleId)].flatMap(([id, n]) => (n && id !== me ? [n] : [])))];
  }
  /** Does `m` mention this user (by the whole display name, a longer member name winning)? */
  mentionsMe(m: MessageView): boolean {
    const me = this.state.app?.node.displayName;
    return isDm(m.channelId) || (!!me && mentions(m.text, [me], this.knownNames(m.circleId)));
  }
  /** How a channel is shown: "#name", or "@member" for a direct-message conversation. */
  title(channelId = this.state.channelId, circleId = this.state.circleId ?? ""): string {
    const d = this.state.dms[circleId]?.find((x) => x.channelId === channelId);
    return d ? `@${this.nameOf(d.nodeId, circleId)}` : `#${channelId}`;
  }
  /** Reload the circle's direct-message conversations (dm-list.ts: a chunk in the web client). */
  loadDms(circleId: string): Promise<DmView[]> {
    return import("./dm-list.ts").then((m) => m.loadDms(this, circleId)).catch(() => this.state.dms[circleId] ?? []); // informational, as peers
  }
  setDms(circleId: string, list: DmView[]): void {
    this.set({ dms: { ...this.state.dms, [circleId]: list } });
  }
  /**
   * The name to show for a message's author: the latest one known, with an id suffix
   * ("alice#3f2a") when another member of the circle shows the same name.
   */
  authorName(m: MessageView): string {
    return this.label(m.circleId, m.authorNodeId, this.state.authors[m.authorNodeId] || m.author);
  }
  /** `name`, with the id suffix when it collides within the circle */
  private label(circleId: string, nodeId: string, name: string): string {
    const suffix = `#${idSuffix(nodeId)}`;
    return this.labels(circleId).get(nodeId)?.endsWith(suffix) ? name + suffix : name;
  }
  private labelCache = new LabelCache();
  /** Labels of a circle's members as known here (you, its peers, its authors). */
  private labels(circleId: string): Map<string, string> {
    return this.labelCache.get(this.state, circleId);
  }
  /** Views carry the author's best name when they were made; the newest view wins. */
  private noteAuthors(list: MessageView[]): void {
    let authors: Record<string, string> | null = null;
    for (const m of list)
      if (m.author && (authors ?? this.state.authors)[m.authorNodeId] !== m.author)
        (authors ??= { ...this.state.authors })[m.authorNodeId] = m.author;
    if (authors) this.set({ authors });
  }

  async init(prefer?: { circleId?: string; channelId?: string }): Promise<void> {
    this.unsub ??= this.backend.subscribe((e) => this.onEvent(e));
    await this.refresh();
    const circles = this.state.app?.circles ?? [];
    const c = circles.find((x) => x.circleId === prefer?.circleId) ?? circles[0];
    if (c) await this.select(c.circleId, prefer?.circleId === c.circleId ? prefer?.channelId : undefined);
    this.set({ ready: true, connection: this.backend.connection() });
  }

  async refresh(): Promise<void> {
    const app = await this.backend.getState();
    let { circleId, channelId } = this.state;
    if (circleId && !app.circles.some((c) => c.circleId === circleId)) {
      circleId = app.circles[0]?.circleId ?? null;
      channelId = "general";
    }
    this.set({ app, circleId, channelId, reach: {} });
  }

  async select(circleId: string, channelId = "general"): Promise<void> {
    const c = this.state.app?.circles.find((x) => x.circleId === circleId);
    if (!c) throw new Error(`unknown circle ${circleId}`);
    const ch = c.channels.some((x) => x.channelId === channelId) || isDm(channelId) ? channelId : "general";
    const k = keyOf(circleId, ch);
    let unread = this.state.unread[k] ?? 0;
    this.set({
      circleId,
      channelId: ch,
      unread: { ...this.state.unread, [k]: 0 },
      mentioned: { ...this.state.mentioned, [k]: 0 },
    });
    if (!this.state.messages[k]) await this.loadLatest(circleId, ch);
    else if (hasNewer(this.state, k)) await this.loadLatest(circleId, ch, true); // opened: its newest
    // the "new messages" line goes above the oldest of the last `unread` messages from others
    let first: string | undefined;
    const list = this.state.messages[k] ?? [];
    for (let i = list.length - 1; unread > 0 && i >= 0; i--) if (!list[i]!.own) (first = list[i]!.msgId), unread--;
    this.set({ newFrom: { ...this.state.newFrom, [k]: first ?? "" } });
    void this.loadPeers(circleId);
    void this.loadMembers(circleId);
    // (the relay-only browser lists them on first use: /dms, the member list, a DM arriving)
    if (this.backend.kind === "local") void this.loadDms(circleId);
  }

  /** `fresh`: drop what is loaded (after joining a locked channel: its bodies can be read now) */
  async loadLatest(circleId: string, channelId: string, fresh = false): Promise<void> {
    const k = keyOf(circleId, channelId);
    if (!fresh && hasNewer(this.state, k)) return; // scrolled back past its window: the newest come on the way down
    await this.loading(k, async () => {
      const msgs = await this.backend.listMessages(circleId, channelId, { limit: PAGE });
      this.noteAuthors(msgs);
      this.set({
        messages: { ...this.state.messages, [k]: mergeMessages((!fresh && this.state.messages[k]) || [], msgs) },
        hasMore: { ...this.state.hasMore, [k]: msgs.length >= PAGE },
        newer: { ...this.state.newer, [k]: [] },
      });
    });
  }

  /** messages that arrive while a page of their channel is on its way: added after it (held-arrivals.ts) */
  private held = new HeldArrivals();
  private loading = <T>(k: string, load: () => Promise<T>) => this.held.during(k, load, (m) => this.addMessage(m));

  /** Scroll-back: load the page before the oldest loaded message. Returns how many arrived. */
  loadOlder = () => this.win("loadOlder");
  /** Scroll-forward, when scrolled back past the window (chat-window.ts). Returns how many arrived. */
  // (held arrivals too: a gap too wide to page through ends in the newest page, as toLatest)
  loadNewer = () => this.loading(this.currentKey, () => this.win("loadNewer"));
  /** Back to the open channel's newest page. */
  toLatest = () => this.loading(this.currentKey, () => this.win("toLatest"));
  // (a chunk of the web client; once loaded, called at once: a page fetched ahead lands before the frame)
  private winM?: typeof import("./chat-window.ts");
  private async win(f: "loadOlder" | "loadNewer" | "toLatest"): Promise<number> {
    const w = (this.winM ??= await import("./chat-window.ts"));
    return w[f](this, (p) => this.set(p));
  }

  async loadPeers(circleId: string): Promise<void> {
    try {
      const peers = await this.backend.listPeers(circleId);
      this.set({ peers: { ...this.state.peers, [circleId]: peers } });
    } catch {
      /* peers are informational */
    }
  }

  async loadMembers(circleId: string): Promise<MemberView[]> {
    try {
      const list = await this.backend.listMembers(circleId);
      this.set({ members: { ...this.state.members, [circleId]: list } });
      return list;
    } catch {
      return this.state.members[circleId] ?? []; // informational, as peers
    }
  }

  /** A message written or changed here (a reply, or a reaction/edit/delete's target): shown at once, as a send is. */
  shown(m: MessageView): void {
    this.addMessage(m);
  }

  async sendText(text: string): Promise<void> {
    if (!this.state.circleId) throw new Error("join or create a circle first");
    checkLength(text); // refused here, before the backend: over the wire's limit
    const m = await this.backend.send(this.state.circleId, this.state.channelId, text);
    if (hasNewer(this.state, this.currentKey)) await this.toLatest(); // scrolled back: show it among the newest
    this.addMessage(m);
  }

  /** A notice in the log of the channel `key` (default: the one open now). */
  notice(text: string, kind: "info" | "error" = "info", key = this.currentKey): void {
    const n: Notice = { id: ++this.noticeId, text, kind, ts: Date.now() / 1000, key };
    this.set({ notices: [...this.state.notices.slice(-199), n] });
  }
  /** The notices a channel's log shows: its own and those from before any circle. */
  noticesIn(key = this.currentKey): Notice[] {
    return this.state.notices.filter((n) => !n.key || n.key === key);
  }
  /** Clear the open channel's notices. */
  clearNotices(): void {
    const k = this.currentKey;
    this.set({ notices: this.state.notices.filter((n) => n.key && n.key !== k) });
  }
  toggleDebug(): boolean {
    this.set({ debugOn: !this.state.debugOn });
    return this.state.debugOn;
  }

  private addMessage(m: MessageView): void {
    // a control row that is no timeline line, or a reaction, edit or delete whose message is not here: nothing to show
    if ((m.channelId === "__control" && !m.event) || (m.kind! >= 4 && m.kind! <= 6)) return;
    const k = keyOf(m.circleId, m.event?.channelId ?? m.channelId);
    if (this.held.hold(k, m)) return; // a page of its channel is on its way: added after it
    const before = this.state.messages[k];
    const shown = before?.some((x) => x.msgId === m.msgId);
    if (m.update || shown) {
      // a message already shown changed (reacted to, edited, deleted): no unread count, no notification
      // (one not loaded here shows as it is when its page loads)
      const after = shown && mergeMessages(before!, [m]);
      if (after && after !== before) this.set({ messages: { ...this.state.messages, [k]: after } });
      return;
    }
    // a timeline line (m.event) is quiet: no unread count, no notification
    const loud = !m.own && !m.event;
    if (!before) {
      // channel not loaded yet: count it, load when opened
      if (loud) this.bump(k, m);
      return;
    }
    if (beyondWindow(this.state, k, m)) {
      if (loud && k !== this.currentKey) this.bump(k, m);
      return;
    }
    const after = mergeMessages(before, [m]);
    if (after === before) return;
    this.set({ messages: { ...this.state.messages, [k]: after } });
    if (loud) {
      if (k !== this.currentKey) this.bump(k, m);
      this.onIncoming?.(m);
      if (this.mentionsMe(m)) this.onMention?.(m);
    }
  }

  /** count a message from others as unread (and mentioned); notify-settings.ts wraps it and mentionsMe() to follow the settings */
  bump(k: string, m: MessageView) {
    const patch: Partial<ChatState> = { unread: { ...this.state.unread, [k]: (this.state.unread[k] ?? 0) + 1 } };
    if (this.mentionsMe(m)) patch.mentioned = { ...this.state.mentioned, [k]: (this.state.mentioned[k] ?? 0) + 1 };
    this.set(patch);
  }

  private onEvent(e: BackendEvent): void {
    switch (e.t) {
      case "message": {
        const m = e.message;
        this.arrivals++;
        this.noteAuthors([m]);
        this.addMessage(m);
        if (m.channelId === "__control")
          void this.refresh(); // channel or name changes
        else if (isDm(m.channelId)) void this.loadDms(m.circleId);
        else if (
          !this.state.app?.circles
            .find((c) => c.circleId === m.circleId)
            ?.channels.some((c) => c.channelId === m.channelId)
        )
          void this.refresh();
        break;
      }
      case "circles":
        void this.refresh();
        break;
      case "peers":
        void this.loadPeers(e.circleId);
        void this.loadMembers(e.circleId);
        break;
      case "members":
        void this.loadMembers(e.circleId);
        break;
      case "sync":
        if (
          e.ok &&
          e.circleId === this.state.circleId &&
          !this.state.peers[e.circleId]?.some((p) => p.nodeId === e.peer)
        )
          void this.loadPeers(e.circleId);
        if (this.state.debugOn)
          this.debugLine(
            `sync ${e.ok ? "ok" : "failed"} ${e.addr} ${e.peer.slice(0, 8)} +${e.stored} -> ${e.sent}${e.detail && e.detail !== "done" ? ` (${e.detail})` : ""}`,
          );
        break;
      case "debug":
        if (this.state.debugOn) this.debugLine(e.line);
        break;
      case "delivery":
        this.set({ messages: withDelivery(this.state.messages, e) });
        break;
      case "reach":
        this.set({ reach: { ...this.state.reach, [e.circleId]: e.reachable } });
        break;
      case "fill":
        this.set(onFill(this.state, e));
        break;
      case "typing":
        this.set({ typing: { ...this.state.typing, [keyOf(e.circleId, e.channelId)]: e.who } });
        break;
      case "connection":
        this.set({ connection: e.state });
        if (e.state === "live" && this.state.ready) void this.resync();
        break;
    }
  }

  private debugLine(line: string) {
    const t = new Date().toISOString().slice(11, 19);
    this.set({ debug: [...this.state.debug.slice(-299), `${t} ${line}`] });
  }

  /** After a reconnect: refresh state and fetch what we missed in loaded channels. */
  private async resync() {
    await this.refresh();
    for (const k of Object.keys(this.state.messages)) {
      const [circleId, channelId] = k.split("/") as [string, string];
      if (this.state.app?.circles.some((c) => c.circleId === circleId)) await this.loadLatest(circleId, channelId);
    }
  }

  /** The best name for a member: you, a peer's name, an author's name, or a short id. */
  nameOf(nodeId: string, circleId = this.state.circleId): string {
    const me = this.state.app?.node;
    if (me && nodeId === me.nodeId) return me.displayName || "you";
    const p = circleId ? this.state.peers[circleId]?.find((x) => x.nodeId === nodeId) : undefined;
    const m = circleId ? this.state.members[circleId]?.find((x) => x.nodeId === nodeId) : undefined;
    const name = p?.name || m?.name || this.state.authors[nodeId];
    return !name ? nodeId.slice(0, 8) : circleId ? this.label(circleId, nodeId, name) : name;
  }

  /** No live path to any other member of the circle (the offline banner): the relay-only browser's one path is its relay. */
  offline(circleId = this.state.circleId): boolean {
    if (this.backend.kind === "relay") return this.state.connection === "offline";
    const c = this.state.app?.circles.find((x) => x.circleId === circleId);
    return !!c && (this.state.reach[c.circleId] ?? c.reachable) === false;
  }

  /** Members of the current circle other than you who are online now (status line: "N online"). */
  onlineCount(): number {
    const list = this.state.circleId ? (this.state.members[this.state.circleId] ?? []) : [];
    return list.filter((m) => m.online && !m.you).length;
  }

  dispose(): void {
    this.unsub?.();
    this.unsub = null;
  }
}
