// What a relay-only peer's user does to circles and channels, apart from chatting: create,
// join (felund1 codes, and felund2 codes redeemed through the relay), rename, invite, channels
// of every mode, kick, approve. A chunk loaded on the first such action (relay-backend.ts), so
// a returning user reads and writes without it; the backend lends it its state (ActionHost).
import { BackendError } from "../../../shared/backend.ts";
import type { AccessMode, BackendEvent, PeerView } from "../../../shared/types.ts";
import { newChannelIdProblem, normalizeChannelId } from "../../../../src/protocol/channel-id.ts";
import {
  channelApproveText,
  channelCreateText,
  channelKeyHash,
  channelMemberText,
  circleNameText,
} from "../../../../src/protocol/control.ts";
import type { Rng } from "../../../../src/protocol/crypto.ts";
import { isRelayUrl } from "../../../../src/protocol/hostport.ts";
import { circleIdFromSecret, newSecretHex } from "../../../../src/protocol/ids.ts";
import { decodeInvite, encodeInvite } from "../../../../src/protocol/invite.ts";
import { CIRCLE_NAME_MAX, V2_INVITE_TTL_DEFAULT_S } from "../../../../src/protocol/limits.ts";
import { CONTROL_CHANNEL } from "../../../../src/protocol/message.ts";
import type { Verdict } from "../../../../src/protocol/verdict.ts";
import { toHex } from "../../../../src/protocol/bytes.ts";
import { decodeInvite2, INVITE2_PREFIX, inviteView, type InviteView } from "../../../../src/protocol/v2/invite.ts";
import type { NodeKeys } from "../../../../src/protocol/v2/keys.ts";
import { ensureGeneral, type CircleRow, type StoredMessage } from "../../../../src/sync/store.ts";
import * as admin from "../../../../src/sync/v2-admin.ts";
import { composeEvent, isLegacy, type V2Ctx } from "../../../../src/sync/v2-apply.ts";
import type { V2Deps } from "../../../../src/sync/v2-exchange.ts";
import type { MemStore } from "./mem-store.ts";
import type { NodeRecord } from "./persist.ts";
import { RelayApi, type FetchLike } from "../../../../src/peer/relay/api.ts";

type Done = Verdict<{ row: StoredMessage }>;

/** What the actions need of the backend (relay-backend.ts lends its own state and helpers). */
export interface ActionHost {
  mem: MemStore;
  rng: Rng;
  fetch?: FetchLike;
  nowMs: () => number;
  now(): number;
  node(): NodeRecord;
  keys(): NodeKeys;
  relayBase(): string;
  /** a circle by id or unique prefix (404 otherwise) */
  circle(circleId: string): CircleRow;
  /** the circle's keys and relay hint, for a circle just added to the store */
  link(circleId: string): void;
  /** start syncing a circle just added to the store */
  track(circleId: string): void;
  ctx(): V2Ctx;
  who(): { displayName: string; now: number; rng: Rng };
  v2Deps(): V2Deps;
  done(v: Done, status?: number): StoredMessage;
  /** load the v1 code (before a legacy circle enters the store) */
  legacy(): Promise<void>;
  publishCard(circleId: string): StoredMessage | null;
  postV1(circleId: string, channelId: string, text: string): StoredMessage;
  published(circleId: string, rows: StoredMessage[]): Promise<StoredMessage[]>;
  flush(): Promise<void>;
  emit(e: BackendEvent): void;
  watchAdmissions(): void;
  peers(circleId: string): PeerView[];
  debug(line: string): void;
}

export class RelayActions {
  /** the last default felund2 code per circle (this page's life), so reopening the invite dialog issues no new invite */
  private lastCodes = new Map<
    string,
    { code: string; inviteId: string; expiresTs: number; relay: string; name: string }
  >();

  constructor(private h: ActionHost) {}

  async createCircle(name: string, opts: { legacy?: boolean } = {}) {
    const secretHex = newSecretHex(this.h.rng);
    const circleId = circleIdFromSecret(secretHex);
    const now = this.h.now();
    const legacy = !!opts.legacy;
    if (legacy) await this.h.legacy();
    this.h.mem.addCircle({
      circleId,
      secretHex,
      name: "",
      owned: true,
      bootstrap: "",
      mode: legacy ? "v1" : "v2",
      keyEpoch: 0,
      joinedAt: now,
    });
    this.h.mem.setCircleOwner(circleId, toHex(this.h.keys().edPublic));
    this.h.link(circleId);
    ensureGeneral(this.h.mem, circleId, now);
    const rows = [this.h.publishCard(circleId)];
    const n = name.trim().slice(0, CIRCLE_NAME_MAX);
    if (n)
      rows.push(
        legacy
          ? this.h.postV1(circleId, CONTROL_CHANNEL, circleNameText(circleId, n))
          : this.h.done(
              composeEvent(this.h.ctx(), { circleId, ...this.h.who(), event: { t: "circle_name", name: n } }),
            ),
      );
    await this.h.published(
      circleId,
      rows.filter((r): r is StoredMessage => !!r),
    );
    this.h.track(circleId);
    this.h.emit({ t: "circles" });
    return { circleId, code: await this.inviteCode(circleId) };
  }

  async joinCircle(code: string) {
    const t = code.trim();
    if (t.startsWith(INVITE2_PREFIX)) return this.joinV2(t);
    const v = decodeInvite(t);
    if (!v.ok) throw new BackendError(`invalid invite code: ${v.reason}`);
    const circleId = circleIdFromSecret(v.value.secretHex);
    await this.h.legacy();
    if (
      this.h.mem.addCircle({
        circleId,
        secretHex: v.value.secretHex,
        name: "",
        owned: false,
        bootstrap: "",
        mode: "v1",
        keyEpoch: 0,
        joinedAt: this.h.now(),
      })
    )
      await this.joined(circleId);
    return { circleId };
  }

  /**
   * Redeem a felund2 code: the join handshake with the owner runs through a relay's /v1/signal
   * (the code's relay; a code naming a host:port tries our own relay, where the owner's node may
   * also listen). The owner checks expiry and use limit and answers with the circle (ADMIT).
   */
  private async joinV2(code: string) {
    const v = decodeInvite2(code, this.h.now());
    if (!v.ok) throw new BackendError(`invalid invite code: ${v.reason}`);
    const inv = v.value;
    if (this.h.mem.getCircle(inv.circleId)) return { circleId: inv.circleId };
    const base = isRelayUrl(inv.peer) ? inv.peer.replace(/\/+$/, "") : this.h.relayBase();
    const { joinThroughRelay } = await import("../../../../src/peer/relay/admission-engine.ts");
    const r = await joinThroughRelay(
      new RelayApi(base, this.h.node().nodeId, this.h.fetch),
      this.h.v2Deps(),
      inv,
      this.h.nowMs,
    );
    if (!r.ok) {
      if (!isRelayUrl(inv.peer) && /did not answer/.test(r.reason))
        throw new BackendError(
          `this code names ${inv.peer}, which a browser cannot reach, and its owner did not answer through ${base} either (their node needs a relay)`,
          503,
        );
      throw new BackendError(
        `the inviter did not admit us: ${r.reason}`,
        /did not answer|relay/.test(r.reason) ? 503 : 403,
      );
    }
    if (this.h.mem.getCircle(inv.circleId)) return { circleId: inv.circleId };
    if (!r.value.v2Only) await this.h.legacy();
    const circleId = admin.applyAdmit(this.h.mem, r.value, this.h.now());
    if (base !== this.h.relayBase())
      this.h.debug(`joined through ${base}; this browser syncs through ${this.h.relayBase()}`);
    await this.joined(circleId);
    return { circleId };
  }

  private async joined(circleId: string) {
    this.h.link(circleId);
    ensureGeneral(this.h.mem, circleId, this.h.now());
    const card = this.h.publishCard(circleId);
    await this.h.published(circleId, card ? [card] : []);
    this.h.track(circleId);
    this.h.emit({ t: "circles" });
  }

  async renameCircle(circleId: string, name: string) {
    const c = this.h.circle(circleId);
    if (!c.owned) throw new BackendError("only the circle's owner can rename it", 403);
    const n = name.trim().slice(0, CIRCLE_NAME_MAX);
    if (!n) throw new BackendError("circle name is empty");
    const row = isLegacy(c)
      ? this.h.postV1(c.circleId, CONTROL_CHANNEL, circleNameText(c.circleId, n))
      : this.h.done(
          composeEvent(this.h.ctx(), { circleId: c.circleId, ...this.h.who(), event: { t: "circle_name", name: n } }),
          403,
        );
    await this.h.published(c.circleId, [row]);
  }

  /**
   * A felund2 code (owner only) whose peer is this browser's relay: joiners reach us through it
   * (expiry and use limit enforced here). Legacy circles keep their felund1 code.
   */
  async inviteCode(circleId: string, opts: { ttlS?: number; maxUses?: number } = {}) {
    const c = this.h.circle(circleId);
    if (isLegacy(c)) return encodeInvite(c.secretHex, this.h.relayBase());
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
      last.expiresTs - this.h.now() > V2_INVITE_TTL_DEFAULT_S / 2
    )
      return last.code;
    const r = admin.issueInvite(this.h.ctx(), c.circleId, {
      peer: this.h.relayBase(),
      ttlS: opts.ttlS,
      maxUses: opts.maxUses,
      now: this.h.now(),
      rng: this.h.rng,
    });
    if (!r.ok)
      throw new BackendError(
        r.reason === "only the circle owner issues felund2 invites"
          ? "only the circle's owner can invite to this circle (ask them for a code)"
          : r.reason,
        403,
      );
    if (plain)
      this.lastCodes.set(c.circleId, {
        code: r.value.code,
        inviteId: toHex(r.value.invite.inviteId),
        expiresTs: r.value.invite.expiresTs,
        relay: this.h.relayBase(),
        name: c.name,
      });
    await this.h.flush();
    this.h.watchAdmissions();
    return r.value.code;
  }

  async createChannel(circleId: string, name: string, mode: AccessMode, key = "") {
    const c = this.h.circle(circleId);
    const ch = normalizeChannelId(name);
    const problem = newChannelIdProblem(ch);
    if (problem) throw new BackendError(problem);
    if (this.h.mem.getChannel(c.circleId, ch)) throw new BackendError(`#${ch} already exists`, 409);
    if (mode === "key" && !key) throw new BackendError("a key channel needs a key");
    // v2: a key channel is encrypted under a key derived from its passphrase; an invite channel
    // under a random key its owner seals to each approved member
    const row = isLegacy(c)
      ? this.h.postV1(
          c.circleId,
          CONTROL_CHANNEL,
          channelCreateText({
            circleId: c.circleId,
            channelId: ch,
            accessMode: mode,
            keyHash: mode === "key" ? channelKeyHash(c.circleId, ch, key) : "",
            actor: this.h.node().nodeId,
            ts: this.h.now(),
          }),
        )
      : this.h.done(admin.createChannel(this.h.ctx(), c.circleId, ch, mode, { ...this.h.who(), passphrase: key }));
    await this.h.published(c.circleId, [row]);
  }

  async joinChannel(circleId: string, name: string, key = "") {
    const c = this.h.circle(circleId);
    const ch = normalizeChannelId(name);
    const row = this.h.mem.getChannel(c.circleId, ch);
    if (!row) throw new BackendError(`unknown channel: #${ch}`, 404);
    let out: StoredMessage;
    if (!isLegacy(c)) {
      if (row.accessMode === "key") {
        if (!key) throw new BackendError(`#${ch} needs its key: /channel join ${ch} <key>`, 403);
        const r = admin.unlockKeyChannel(this.h.ctx(), c.circleId, ch, key, this.h.who());
        if (!r.ok && /passphrase/.test(r.reason)) throw new BackendError("wrong channel key", 403);
        out = this.h.done(r);
      } else {
        const t = row.accessMode === "invite" ? "channel_request" : "channel_join";
        out = this.h.done(
          composeEvent(this.h.ctx(), { circleId: c.circleId, ...this.h.who(), event: { t, channelId: ch } }),
        );
      }
    } else {
      if (row.accessMode === "key" && row.keyHash && channelKeyHash(c.circleId, ch, key) !== row.keyHash)
        throw new BackendError("wrong channel key", 403);
      const op = row.accessMode === "invite" ? "request" : "join";
      out = this.h.postV1(
        c.circleId,
        CONTROL_CHANNEL,
        channelMemberText(op, {
          circleId: c.circleId,
          channelId: ch,
          nodeId: this.h.node().nodeId,
          actor: this.h.node().nodeId,
          ts: this.h.now(),
        }),
      );
    }
    await this.h.published(c.circleId, [out]);
    // sealed messages of the channel may have opened: let the views reload
    this.h.emit({ t: "circles" });
  }

  async leaveChannel(circleId: string, name: string) {
    const c = this.h.circle(circleId);
    const ch = normalizeChannelId(name);
    if (ch === "general") throw new BackendError("#general cannot be left");
    if (!this.h.mem.getChannel(c.circleId, ch)) throw new BackendError(`unknown channel: #${ch}`, 404);
    const row = isLegacy(c)
      ? this.h.postV1(
          c.circleId,
          CONTROL_CHANNEL,
          channelMemberText("leave", {
            circleId: c.circleId,
            channelId: ch,
            nodeId: this.h.node().nodeId,
            actor: this.h.node().nodeId,
            ts: this.h.now(),
          }),
        )
      : this.h.done(
          composeEvent(this.h.ctx(), {
            circleId: c.circleId,
            ...this.h.who(),
            event: { t: "channel_leave", channelId: ch },
          }),
        );
    await this.h.published(c.circleId, [row]);
  }

  /** The felund2 invites this browser issued for a circle, newest first. */
  async listInvites(circleId: string): Promise<InviteView[]> {
    const c = this.h.circle(circleId);
    const now = this.h.now();
    return this.h.mem.listInvites(c.circleId).map((r) => inviteView(r, now));
  }

  /** Owner: revoke an invite (saved before we return, so a reload cannot bring it back). */
  async revokeInvite(circleId: string, inviteId: string) {
    const c = this.h.circle(circleId);
    const r = admin.revokeInvite(this.h.ctx(), c.circleId, inviteId, this.h.now());
    if (!r.ok) throw new BackendError(r.reason, /^no invite/.test(r.reason) ? 404 : 409);
    await this.h.flush();
  }

  /** Owner only: remove members; the circle moves to a new epoch key they do not get. */
  async kickMembers(circleId: string, members: string[]) {
    const c = this.h.circle(circleId);
    const ids = members.map((m) => this.resolveMember(c.circleId, m));
    // (the kick also revoked every invite of the circle: admin.kickMembers)
    await this.h.published(c.circleId, [
      this.h.done(admin.kickMembers(this.h.ctx(), c.circleId, ids, this.h.who()), 403),
    ]);
    await this.h.flush();
    this.h.emit({ t: "circles" });
  }

  /** The channel owner lets a member into an invite channel (v2: the channel key sealed to its card). */
  async approveMember(circleId: string, channel: string, member: string) {
    const c = this.h.circle(circleId);
    const ch = normalizeChannelId(channel);
    const id = this.resolveMember(c.circleId, member);
    const row = isLegacy(c)
      ? this.h.postV1(
          c.circleId,
          CONTROL_CHANNEL,
          channelApproveText({
            circleId: c.circleId,
            channelId: ch,
            target: id,
            actor: this.h.node().nodeId,
            ts: this.h.now(),
          }),
        )
      : this.h.done(admin.approveMember(this.h.ctx(), c.circleId, ch, id, this.h.who()), 403);
    await this.h.published(c.circleId, [row]);
  }

  /** A member by node id, unique id prefix (4+), or display name (as the node's resolveMember). */
  private resolveMember(circleId: string, who: string): string {
    const q = who.trim().replace(/^@/, "");
    const ids = [
      ...new Set([
        ...this.h.mem.listMemberCards(circleId).map((x) => x.nodeId),
        ...this.h.peers(circleId).map((p) => p.nodeId),
      ]),
    ];
    if (ids.includes(q)) return q;
    const byPrefix = q.length >= 4 ? ids.filter((id) => id.startsWith(q)) : [];
    if (byPrefix.length === 1) return byPrefix[0]!;
    const byName = ids.filter((id) => (this.h.mem.getDisplayName(id) ?? "").toLowerCase() === q.toLowerCase());
    if (byName.length === 1) return byName[0]!;
    if (byPrefix.length > 1 || byName.length > 1)
      throw new BackendError(`"${who}" matches several members; use more of the node id`);
    throw new BackendError(`no member "${who}" in this circle`, 404);
  }
}
