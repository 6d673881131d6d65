// An in-memory Backend for store and command tests: records calls, keeps messages per
// channel, and lets a test push events as the node would.
import type { Backend } from "../../ui/shared/backend.ts";
import { FelundError } from "../../src/protocol/errors.ts";
import type {
  AccessMode,
  AppState,
  BackendEvent,
  CircleView,
  MemberView,
  MessageView,
  PeerView,
} from "../../ui/shared/types.ts";

let seq = 0;
export function msg(p: Partial<MessageView> & { circleId: string; text: string }): MessageView {
  seq++;
  const ts = p.createdTs ?? 1_700_000_000 + seq;
  return {
    seq,
    msgId: p.msgId ?? seq.toString(16).padStart(32, "0"),
    channelId: "general",
    authorNodeId: "b0b0b0b0b0b0b0b0b0b0b0b0",
    author: "bob",
    displayName: "bob",
    createdTs: ts,
    sortTs: ts,
    sortMs: (p.sortTs ?? ts) * 1000,
    late: false,
    receivedAt: ts,
    verified: "mac",
    own: false,
    ...p,
  };
}

export class FakeBackend implements Backend {
  readonly kind = "local" as const;
  calls: string[] = [];
  state: AppState = {
    node: { nodeId: "a1a1a1a1a1a1a1a1a1a1a1a1", displayName: "alice", relayBase: "" },
    circles: [],
    calls: [],
  };
  messages = new Map<string, MessageView[]>();
  peers: PeerView[] = [];
  members: MemberView[] = [];
  private listeners = new Set<(e: BackendEvent) => void>();

  addCircle(circleId: string, name: string, channels = ["general"], owned = true): CircleView {
    const c: CircleView = {
      circleId,
      name,
      owned,
      members: 0,
      messages: 0,
      channels: channels.map((channelId) => ({
        channelId,
        accessMode: "public",
        createdBy: "",
        createdTs: 0,
        members: [],
        requests: [],
        joined: true,
      })),
    };
    this.state.circles.push(c);
    return c;
  }
  emit(e: BackendEvent) {
    for (const fn of this.listeners) fn(e);
  }

  async getState() {
    this.calls.push("getState");
    return structuredClone(this.state);
  }
  async listMessages(
    circleId: string,
    channelId: string,
    opts: { limit: number; before?: { sortMs: number; seq: number } },
  ) {
    this.calls.push(`listMessages ${channelId}${opts.before ? " before " + opts.before.sortMs / 1000 : ""}`);
    let list = this.messages.get(`${circleId}/${channelId}`) ?? [];
    if (opts.before)
      list = list.filter(
        (m) => m.sortMs < opts.before!.sortMs || (m.sortMs === opts.before!.sortMs && m.seq < opts.before!.seq),
      );
    return list.slice(-opts.limit);
  }
  async send(circleId: string, channelId: string, text: string) {
    this.calls.push(`send ${channelId} ${text}`);
    return msg({ circleId, channelId, text, own: true, author: "alice", authorNodeId: this.state.node.nodeId });
  }
  async kickMembers(circleId: string, members: string[]) {
    this.calls.push(`kick ${circleId} ${members.join(",")}`);
  }
  async approveMember(_circleId: string, channel: string, member: string) {
    this.calls.push(`approve ${channel} ${member}`);
  }
  async createCircle(name: string, opts?: { legacy?: boolean }) {
    this.calls.push(`createCircle ${name}${opts?.legacy ? " legacy" : ""}`);
    const id = "c".repeat(23) + String(this.state.circles.length);
    this.addCircle(id, name);
    return { circleId: id, code: "felund1.x" };
  }
  async joinCircle(code: string) {
    this.calls.push(`joinCircle ${code}`);
    if (!code.startsWith("felund1."))
      throw new FelundError("E_BAD_INVITE", "invalid invite code: must start with felund1.");
    this.addCircle("d".repeat(24), "", ["general"], false);
    return { circleId: "d".repeat(24) };
  }
  async leaveCircle(circleId: string) {
    this.calls.push(`leaveCircle ${circleId}`);
    this.state.circles = this.state.circles.filter((c) => c.circleId !== circleId);
  }
  async renameCircle(circleId: string, name: string) {
    this.calls.push(`renameCircle ${circleId} ${name}`);
  }
  async setHistory(circleId: string, policy: string) {
    this.calls.push(`setHistory ${circleId} ${policy}`);
    return policy;
  }
  async inviteCode(circleId: string) {
    return `felund1.code-of-${circleId}`;
  }
  async createChannel(circleId: string, name: string, mode: AccessMode, key?: string) {
    this.calls.push(`createChannel ${name} ${mode}${key ? " " + key : ""}`);
    this.state.circles
      .find((c) => c.circleId === circleId)!
      .channels.push({
        channelId: name,
        accessMode: mode,
        createdBy: this.state.node.nodeId,
        createdTs: 0,
        members: [],
        requests: [],
        joined: true,
      });
  }
  async joinChannel(_c: string, name: string, key?: string) {
    this.calls.push(`joinChannel ${name}${key ? " " + key : ""}`);
  }
  async leaveChannel(_c: string, name: string) {
    this.calls.push(`leaveChannel ${name}`);
  }
  async listPeers() {
    return this.peers;
  }
  async listMembers() {
    return this.members;
  }
  async updateSettings(s: { displayName?: string; relayBase?: string }) {
    this.calls.push(`updateSettings ${JSON.stringify(s)}`);
    if (s.displayName !== undefined) this.state.node.displayName = s.displayName;
  }
  subscribe(fn: (e: BackendEvent) => void) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  connection() {
    return "live" as const;
  }
  close() {}
}
