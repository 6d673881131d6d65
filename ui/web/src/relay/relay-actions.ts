// What a relay-only peer's user does to circles and channels, apart from chatting: the peer's
// actions (src/peer) over this browser's store, each followed by what a browser does with
// what they stored (saved to IndexedDB, pushed to the relay, shown), plus the felund2 join,
// which talks to the relay. A chunk loaded on the first such action (relay-backend.ts), so a
// returning user reads and writes without it; the backend lends it its state (ActionHost).
import type { AccessMode, BackendEvent, FileUpload, MessageView, Progress } from "../../../shared/types.ts";
import type { InviteOptions, RefOp } from "../../../shared/backend.ts";
import { toHex } from "../../../../src/protocol/bytes.ts";
import { V2_INVITE_TTL_DEFAULT_S } from "../../../../src/protocol/limits.ts";
import { INVITE2_PREFIX, type InviteView } from "../../../../src/protocol/v2/invite.ts";
import { cleanInviteCode } from "../../../../src/protocol/invite.ts";
import { checkRelay } from "../../../../src/peer/relay/check.ts";
import type { StoredMessage } from "../../../../src/sync/store.ts";
import type { V2Deps } from "../../../../src/sync/v2-exchange.ts";
import * as act from "../../../../src/peer/actions.ts";
import * as channels from "../../../../src/peer/actions-channels.ts";
import * as dms from "../../../../src/peer/dm.ts";
import { messageView, useRefsView } from "../../../../src/peer/views.ts";
import { type PeerCtx, requireCircle } from "../../../../src/peer/ctx.ts";
import { FelundError } from "../../../../src/protocol/errors.ts";
import { joinV2 } from "../../../../src/peer/join2.ts";
import { listPins, pinMessage } from "../../../../src/peer/pins.ts";
import { type SearchOpts, searchCircle } from "../../../../src/peer/search.ts";
import "./mem-search.ts"; // MemStore's searchMessages
import type { MemStore } from "./mem-store.ts";
import type { NodeRecord } from "./persist.ts";
import type { RelayClient } from "./relay-client.ts";
import { RelayApi, type FetchLike } from "../../../../src/peer/relay/api.ts";

/** What the actions need of the backend (relay-backend.ts lends its own state and helpers). */
export interface ActionHost {
  peer: PeerCtx;
  mem: MemStore;
  fetch?: FetchLike;
  nowMs: () => number;
  node(): NodeRecord;
  /** replace and save the node record */
  saveNode(n: NodeRecord): Promise<void>;
  relayBase(): string;
  /** the relay client: links a circle just added to the store, syncs it, watches admissions, moves */
  relay: RelayClient;
  v2Deps(): V2Deps;
  /** load the v1 code (before a legacy circle enters the store) */
  legacy(): Promise<unknown>;
  published(circleId: string, rows: StoredMessage[]): Promise<StoredMessage[]>;
  flush(): Promise<void>;
  emit(e: BackendEvent): void;
  debug(line: string): void;
}

export class RelayActions {
  /** the last default felund2 code per circle (this page's life), so reopening the invite dialog issues no new invite */
  private lastCodes = new Map<
    string,
    { code: string; inviteId: string; expiresTs: number; relay: string; name: string }
  >();

  constructor(private h: ActionHost) {
    dms.useDmRules(); // (joins and the user's own DMs go through here)
  }

  private get peer() {
    return this.h.peer;
  }

  private refsLoad: Promise<typeof import("../../../../src/peer/refs-actions.ts")> | null = null;
  /** Replies, reactions, edits, deletes (docs/PROTOCOL.md §18): their store rules, MemStore's ref methods and views,
   * loaded before the first is stored (from the relay, IndexedDB or this user); then what was shown without them
   * is shown again. */
  loadRefs() {
    return (this.refsLoad ??= Promise.all([import("./mem-refs.ts"), import("../../../../src/peer/refs-view.ts")])
      .then(([, v]) => {
        useRefsView(v.refsHook);
        return import("../../../../src/peer/refs-actions.ts"); // (registers the rules)
      })
      .then((refs) => {
        for (const r of this.h.mem.refRows()) this.h.emit({ t: "message", message: this.view(r) });
        return refs;
      }));
  }
  /** a row as the backend shows it: ours also when written under an id from before v2 */
  private view(r: StoredMessage): MessageView {
    const n = this.h.node();
    return messageView(this.h.mem, r, (id) => id === n.nodeId || !!n.formerIds?.includes(id));
  }
  /** reply, react, edit, delete (src/peer/refs-actions.ts) */
  async refAction(circleId: string, msgId: string, a: RefOp) {
    const p = this.peer;
    const refs = await this.loadRefs();
    const row =
      a.op === "reply"
        ? refs.replyTo(p, circleId, msgId, a.text)
        : a.op === "react"
          ? refs.react(p, circleId, msgId, a.emoji, a.add)
          : a.op === "edit"
            ? refs.editMessage(p, circleId, msgId, a.text)
            : refs.deleteMessage(p, circleId, msgId);
    return this.view((await this.h.published(row.circleId, [row]))[0]!);
  }

  /** full-text search over this browser's stored history (a scan: mem-search.ts) */
  async search(circleId: string, query: string, opts: SearchOpts = {}) {
    return searchCircle(this.peer, circleId, query, opts);
  }

  // direct messages (src/peer/dm.ts); the backend publishes what sendDm stores, as for a channel message
  async listDms(circleId: string) {
    return dms.dmViews(this.h.mem, requireCircle(this.peer, circleId).circleId, this.h.node().nodeId);
  }
  async openDm(circleId: string, member: string) {
    return dms.openDm(this.peer, circleId, member);
  }
  sendDm(circleId: string, channelId: string, text: string): StoredMessage {
    return dms.sendDm(this.peer, circleId, channelId, text);
  }

  async createCircle(name: string, opts: { legacy?: boolean } = {}) {
    if (opts.legacy) await this.h.legacy();
    const { circleId, rows } = act.createCircle(this.peer, name, opts);
    this.h.relay.link(circleId);
    await this.h.published(circleId, rows);
    this.h.relay.track(circleId);
    this.h.emit({ t: "circles" });
    return { circleId, code: await this.inviteCode(circleId) };
  }

  async joinCircle(code: string) {
    const t = cleanInviteCode(code);
    if (t.startsWith(INVITE2_PREFIX)) return this.joinV2(t);
    await this.h.legacy();
    const r = act.joinCircle(this.peer, { code: t });
    if (r.created) await this.joined(r.circleId, r.rows);
    return { circleId: r.circleId };
  }

  /**
   * Redeem a felund2 code (src/peer/join2.ts): the join handshake with the owner runs through a
   * relay's /v1/signal (the code's relay; a code naming a host:port tries our own relay, where the
   * owner's node may also listen). The owner checks expiry and use limit and answers with the circle.
   */
  private async joinV2(code: string) {
    const r = await joinV2(this.peer, code, {
      v2Deps: () => this.h.v2Deps(),
      nowMs: this.h.nowMs,
      relayApi: (base) => new RelayApi(base, this.h.node().nodeId, this.h.fetch),
      ownRelay: () => this.h.relayBase(),
      beforeEnter: async (admit) => {
        if (!admit.v2Only) await this.h.legacy();
      },
    });
    if (r.created) {
      if (r.addr !== this.h.relayBase())
        this.h.debug(`joined through ${r.addr}; this browser syncs through ${this.h.relayBase()}`);
      await this.joined(r.circleId, r.rows);
    }
    return { circleId: r.circleId };
  }

  private async joined(circleId: string, rows: StoredMessage[]) {
    this.h.relay.link(circleId);
    await this.h.published(circleId, rows);
    this.h.relay.track(circleId);
    this.h.emit({ t: "circles" });
  }

  async renameCircle(circleId: string, name: string) {
    const row = act.renameCircle(this.peer, circleId, name);
    await this.h.published(row.circleId, [row]);
  }

  /**
   * A felund2 code (owner only) whose peer is this browser's relay: joiners reach us through it
   * (expiry and use limit enforced here). Legacy circles keep their felund1 code. A browser
   * has no address of its own: the relay is its only route.
   */
  async inviteCode(circleId: string, { route, ...opts }: InviteOptions = {}) {
    if (route === "lan")
      throw new FelundError("E_REFUSED", "a browser has no network address of its own: its codes go through the relay");
    const c = requireCircle(this.peer, circleId);
    // the invite dialog asks each time it opens: the same default code while it has most of its life left
    const plain = opts.ttlS === undefined && opts.maxUses === undefined;
    const last = this.lastCodes.get(c.circleId);
    const lastRow = last && this.h.mem.getInvite(last.inviteId);
    // (a revoked code, e.g. by a kick, is never handed out again)
    if (
      plain &&
      last &&
      lastRow &&
      lastRow.revokedTs == null &&
      last.relay === this.h.relayBase() &&
      last.name === c.name &&
      last.expiresTs - this.peer.now() > V2_INVITE_TTL_DEFAULT_S / 2
    )
      return last.code;
    const { code, invite } = act.inviteCode(this.peer, c.circleId, opts);
    if (!invite) return code;
    if (plain)
      this.lastCodes.set(c.circleId, {
        code,
        inviteId: toHex(invite.inviteId),
        expiresTs: invite.expiresTs,
        relay: this.h.relayBase(),
        name: c.name,
      });
    await this.h.flush();
    this.h.relay.watchAdmissions();
    return code;
  }

  async createChannel(circleId: string, name: string, mode: AccessMode, key = "") {
    const row = channels.createChannel(this.peer, circleId, name, mode, key);
    await this.h.published(row.circleId, [row]);
  }

  async joinChannel(circleId: string, name: string, key = "") {
    const row = channels.joinChannel(this.peer, circleId, name, key);
    await this.h.published(row.circleId, [row]);
    // sealed messages of the channel may have opened: let the views reload
    this.h.emit({ t: "circles" });
  }

  async leaveChannel(circleId: string, name: string) {
    const row = channels.leaveChannel(this.peer, circleId, name);
    await this.h.published(row.circleId, [row]);
  }

  // ---- attachments: relay-attach.ts, a chunk of its own (docs/PROTOCOL.md §20) ----
  async attach(circleId: string, channelId: string, file: FileUpload, progress?: Progress) {
    return (await import("./relay-attach.ts")).attach(this.h, circleId, channelId, file, progress);
  }
  async attachmentInfo(circleId: string, msgId: string) {
    return (await import("./relay-attach.ts")).info(this.h, circleId, msgId);
  }
  async fetchAttachment(circleId: string, msgId: string, progress?: Progress) {
    return (await import("./relay-attach.ts")).fetchFile(this.h, circleId, msgId, progress);
  }

  /** The felund2 invites this browser issued for a circle, newest first. */
  async listInvites(circleId: string): Promise<InviteView[]> {
    return act.listInvites(this.peer, circleId);
  }

  /** Owner: revoke an invite (saved before we return, so a reload cannot bring it back). */
  async revokeInvite(circleId: string, inviteId: string) {
    act.revokeInvite(this.peer, circleId, inviteId);
    await this.h.flush();
  }

  /** Owner only: remove members; the circle moves to a new epoch key they do not get (and its invites are revoked). */
  async kickMembers(circleId: string, members: string[]) {
    const row = act.kickMembers(this.peer, circleId, members);
    await this.h.published(row.circleId, [row]);
    await this.h.flush();
    this.h.emit({ t: "circles" });
  }

  /** The channel owner lets a member into an invite channel (v2: the channel key sealed to its card). */
  async approveMember(circleId: string, channel: string, member: string) {
    const row = channels.approveMember(this.peer, circleId, channel, member);
    await this.h.published(row.circleId, [row]);
  }

  /** Settings: a relay URL (checked, saved, synced through from now on) and a display name. */
  async updateSettings(s: { displayName?: string; relayBase?: string }) {
    if (s.relayBase !== undefined) {
      const r = s.relayBase.trim().replace(/\/+$/, "");
      if (r && !/^https?:\/\/[^\s/]+/.test(r))
        throw new FelundError("E_BAD_INPUT", "relay URL must start with http:// or https://");
      if (r !== this.h.node().relayBase) {
        if (r) await checkRelay(r, this.h.node().nodeId, this.h.fetch);
        await this.h.saveNode({ ...this.h.node(), relayBase: r });
        this.h.relay.restart(this.h.relayBase());
      }
    }
    if (s.displayName !== undefined) await this.setDisplayName(s.displayName);
    this.h.emit({ t: "circles" });
  }

  listPins = async (circleId: string, channelId: string) => listPins(this.peer, circleId, channelId);
  async pin(circleId: string, channelId: string, msgId: string, pinned: boolean) {
    const row = pinMessage(this.peer, circleId, channelId, msgId, pinned);
    await this.h.published(row.circleId, [row]);
  }

  /** Save a new display name and tell every circle. */
  private async setDisplayName(name: string) {
    await this.h.saveNode({ ...this.h.node(), displayName: act.displayNameOf(name) });
    const rows = act.announceName(this.peer);
    for (const c of new Set(rows.map((r) => r.circleId)))
      await this.h.published(
        c,
        rows.filter((r) => r.circleId === c),
      );
  }
}
