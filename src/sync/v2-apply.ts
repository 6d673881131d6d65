// Accepting and authoring v2 messages against the store (docs/PROTOCOL.md §5-§8): signature
// and clock checks, the removed-member rule; the authority of each control event and the effects
// of what is accepted are in v2-control-effects.ts and v2-events.ts. Pure: every path (TCP
// session, relay envelope, local send) goes through here.
import { fromBase64, fromHex, toBase64, toHex } from "../protocol/bytes.ts";
import type { Rng } from "../protocol/crypto.ts";
import { V2_CREATED_TS_MIN } from "../protocol/limits.ts";
import { computeMac, type ChatMessage } from "../protocol/message.ts";
import { accept, ignore, reject, type Verdict } from "../protocol/verdict.ts";
import { decodeEvent, type V2Event } from "../protocol/v2/control.ts";
import { sealBody } from "../protocol/v2/channel-keys.ts";
import { epochZeroKey, nodeIdOf } from "../protocol/v2/keys.ts";
import { attachmentRowText } from "./attachment-hook.ts";
import {
  decodeMessage,
  KIND_ATTACHMENT,
  KIND_CONTROL,
  KIND_SEALED,
  KIND_TEXT,
  type MessageKind,
  orderFields,
  signMessage,
  toChatMessage,
  verifyMessage,
  KIND_DM,
  type SignedMessage,
} from "../protocol/v2/message.ts";
import { openSealedText, type V2Ctx } from "./v2-events.ts";
import { applyEvent, authorityError } from "./v2-control-effects.ts";
import type { NodeKeys } from "../protocol/v2/keys.ts";
import { refRules } from "./ref-hook.ts";
import {
  noteChat,
  placeOf,
  type CircleRow,
  type StoredMessage,
  type SyncStoreV2,
  type V2MessageCols,
} from "./store.ts";

/** What direct messages (kind 8, docs/PROTOCOL.md §21) add on apply (src/sync/dm.ts): a refusal, or the text for this peer ("" unless it is one of the two). */
export type DmRules = (store: SyncStoreV2, circle: CircleRow, self: NodeKeys, m: SignedMessage) => Verdict<string>;
let dmRules: DmRules | null = null;
/**
 * Installed by the shell (useDmRules in dm.ts): the node at start, the relay-only browser before
 * it applies its first DM or loads its actions chunk (out of its first load).
 */
export const installDmRules = (r: DmRules): void => {
  dmRules = r;
};

/** Key of `epoch` for this circle: epoch 0 derives from the secret, later ones come from REKEY. */
export function epochKey(store: SyncStoreV2, circle: CircleRow, epoch: number): Uint8Array | null {
  const stored = store.getEpochKey(circle.circleId, epoch);
  if (stored) return fromHex(stored);
  return epoch === 0 ? epochZeroKey(fromHex(circle.secretHex)) : null;
}

export const isLegacy = (c: CircleRow): boolean => c.mode !== "v2";

/** A node recognised as speaking v2 (it spoke v2 to us, or published a member card): never accept v1 from it. */
export const isKnownV2 = (store: SyncStoreV2, circleId: string, nodeId: string): boolean =>
  store.getPeer(circleId, nodeId)?.proto === "v2" || !!store.getMemberCard(circleId, nodeId);

const colsOf = (m: SignedMessage, targetId?: string): V2MessageCols => ({
  targetId,
  authorKey: toHex(m.authorKey),
  signature: toHex(m.signature),
  keyEpoch: m.keyEpoch,
  kind: m.kind,
  wire: toBase64(m.wire),
  ...(m.createdMs === undefined ? {} : { createdMs: m.createdMs, authorSeq: m.authorSeq }),
});

/**
 * Verify and store one signed message (from any path). Ignore = already held; Reject = bad
 * signature, clock, removed author, missing authority, malformed event.
 */
export function acceptSigned(
  ctx: V2Ctx,
  circle: CircleRow,
  wire: Uint8Array,
  origin: string,
  /** these exact bytes' signature verified already (a verifier's batch, V2Deps.verifier): every other rule still applies */
  sigChecked = false,
): Verdict<StoredMessage> {
  let m: SignedMessage;
  try {
    m = decodeMessage(wire);
  } catch (e) {
    return reject((e as Error).message);
  }
  // a copy of a message held already (flooding brings one from most neighbours) costs no
  // signature check: the id names the signed core, and the held copy's signature was checked
  if (m.circleId === circle.circleId && holdsSigned(ctx.store, m.msgId)) return ignore("already stored");
  const v = verifyMessage(m, circle.circleId, ctx.now, sigChecked);
  if (!v.ok) return v;
  // §11: no v2 message is older than v2 itself (a fixed floor, the same on every node and path)
  if (m.createdTs < V2_CREATED_TS_MIN) return reject("created_ts before felund v2 existed");
  // §8: an epoch is known once its REKEY (or the ADMIT) is; later ones wait, on every path
  if (m.keyEpoch > circle.keyEpoch) return reject("key epoch this circle does not have");
  const { store } = ctx;
  // §8: a key epoch that a REKEY ended is closed to authors who were not members then (a removed
  // member still holds the old key and the circle secret, and could sign as a fresh identity)
  if (m.keyEpoch < circle.keyEpoch && !wasMemberOfEpoch(store, circle.circleId, m.keyEpoch, m.authorNodeId))
    return reject("author was not a member of that key epoch");
  const removedTs = store.removedAt(circle.circleId, m.authorNodeId);
  if (removedTs !== undefined && m.createdTs >= removedTs) return reject("author was removed from the circle");
  // (held already: answered by the look-up above, which ran: a message of another circle fails verifyMessage)
  // §8: a removed member still holds the old epoch's relay key and can backdate; once the
  // removal is known, their messages come only from a member's session (who held them already)
  if (removedTs !== undefined && isRelayOrigin(origin))
    return reject("removed author's message reached the relay after the removal");
  let event: V2Event | null = null;
  if (m.kind === KIND_CONTROL) {
    try {
      event = decodeEvent(m.body);
    } catch (e) {
      return reject((e as Error).message);
    }
    const err = authorityError(ctx, m, event);
    if (err) return reject(err);
  }
  // §27: a page of the newest-first fill holds what the relay stored before everything applied so
  // far. A message of a closed epoch met before the REKEY that closed it (itself signed under that
  // epoch) cannot be judged yet: it may be a removed member's backdated post, stored after the
  // REKEY. Not taken now; the fill reads its page again once below it (older.ts), as a forward pull
  // would judge it
  const closing = event?.t === "rekey" && event.epoch === m.keyEpoch + 1;
  if (
    origin === RELAY_OLDER &&
    m.keyEpoch < circle.keyEpoch &&
    !closing &&
    !rekeyOf(store, circle.circleId, m.keyEpoch + 1)
  )
    return reject(NOT_YET);
  // kinds 3-6 (§18): their rules are loaded with them (ref-hook.ts); never stored unchecked
  // and nothing of a deleted message is stored again
  const refs = refRules();
  const pre = refs ? refs.before(store, m) : m.kind >= 3 && m.kind <= 6 ? reject("kind not loaded") : accept(null);
  if (!pre.ok) return pre;
  const cols = colsOf(m, pre.value?.targetId);
  // §20: an attachment's body must decode (a sealed one opens when this node holds the key)
  const attached = m.kind === KIND_ATTACHMENT ? attachmentRowText(store, m) : null;
  if (attached && !attached.ok) return attached;
  return store.transaction(() => {
    let text: string | undefined;
    if (m.kind === KIND_SEALED) text = openSealedText(store, m) ?? "";
    if (m.kind === KIND_CONTROL) text = describe(event!);
    if (m.kind === KIND_DM) {
      // (a shell that applies DMs installs the rules first: their absence is a bug, and crashes)
      const d = dmRules!(store, circle, ctx.self, m);
      if (!d.ok) return d;
      text = d.value;
    }
    if (pre.value) text = pre.value.text;
    if (attached) text = attached.value;
    const chat = toChatMessage(m, text);
    const existing = store.getMessages(circle.circleId, [m.msgId])[0];
    if (existing) {
      // a MAC-only copy of the same message arrived first (legacy bridge): attach the signature if it matches
      if (!sameContent(existing, chat)) return reject("msg_id already names other content");
      store.attachV2(m.msgId, cols);
      return accept(existing);
    }
    const row = store.insertV2Message(chat, cols, { origin, receivedAt: ctx.now, ...placeOf(store, m, ctx.now) });
    if (!row) return ignore("already stored");
    if (event) applyEvent(ctx, circle, m, event);
    else if (m.kind !== KIND_DM) noteChat(ctx.store, m, ctx.now); // (a DM's channel is no channel)
    if (pre.value) refs!.after(store, m, pre.value);
    // legacy-compatible circle: this node holds the secret, so it gives a plain message its v1 MAC
    // and can bridge it to original peers (they see it as an ordinary message; a reply with its
    // quote, an edit as "(edit) text")
    if ((m.kind === KIND_TEXT || refs?.givesV1(m)) && isLegacy(circle)) {
      const mac = computeMac(fromHex(circle.secretHex), chat);
      store.setMac(m.msgId, mac);
      return accept({ ...row, mac });
    }
    return accept(row);
  });
}

/**
 * Whether `nodeId` belonged to the circle when key epoch `epoch` ended: the owner, a recipient
 * of the REKEY that started epoch+1, or a member that REKEY removed (whose messages the removal
 * rules judge). True while that REKEY is not stored here yet (a joiner catching up on history
 * cannot judge; every member that holds the REKEY refuses, so nothing else carries such a message).
 */
export function wasMemberOfEpoch(store: SyncStoreV2, circleId: string, epoch: number, nodeId: string): boolean {
  const owner = store.getCircleOwner(circleId);
  if (owner && nodeIdOf(fromHex(owner)) === nodeId) return true;
  const e = rekeyOf(store, circleId, epoch + 1);
  return !e || e.removed.includes(nodeId) || e.seals.some((s) => nodeIdOf(s.recipient) === nodeId);
}

/** The stored REKEY that started key epoch `epoch`, if any. */
function rekeyOf(store: SyncStoreV2, circleId: string, epoch: number): Extract<V2Event, { t: "rekey" }> | undefined {
  for (const w of store.rekeyWires(circleId)) {
    const e = decodeEvent(decodeMessage(fromBase64(w)).body);
    if (e.t === "rekey" && e.epoch === epoch) return e;
  }
  return undefined;
}

/** The origin of a page of the relay-only browser's newest-first fill (§27): a relay arrival, judged as above. */
export const RELAY_OLDER = "relay-older";
/** Why a fill's message was not taken yet (relay-envelopes.ts counts them: the page is read again). */
export const NOT_YET = "a closed key epoch's REKEY is not stored yet (the fill reads this page again)";

/** A signed copy of the message is stored (hasV2 where the store has it, else its wire). */
export const holdsSigned = (s: SyncStoreV2, msgId: string): boolean => s.hasV2?.(msgId) ?? !!s.getV2Wire(msgId);

/** An arrival through a relay: "relay" and "relay-older" (the relay-only browser) or "relay:<base>" (a node, which remembers which relay). */
export const isRelayOrigin = (origin: string): boolean =>
  origin === "relay" || origin === RELAY_OLDER || origin.startsWith("relay:");

/** Human-readable text of a control row (never parsed back; v1's applyControl ignores the "V2_" type). */
export function describe(e: V2Event): string {
  const o: Record<string, unknown> = { t: `V2_${e.t.toUpperCase()}` };
  for (const [k, v] of Object.entries(e))
    if (k !== "t" && (typeof v === "string" || typeof v === "number" || typeof v === "boolean")) o[k] = v;
  return JSON.stringify(o);
}

const sameContent = (a: ChatMessage, b: ChatMessage) =>
  a.circleId === b.circleId &&
  a.channelId === b.channelId &&
  a.authorNodeId === b.authorNodeId &&
  a.createdTs === b.createdTs &&
  a.text === b.text &&
  a.displayName === b.displayName;

export type { V2Ctx } from "./v2-events.ts";

// ---- authoring (local sends; the shell calls these and then pushes the result to sessions and relays) ----

export interface Compose {
  circleId: string;
  channelId: string;
  displayName: string;
  now: number;
  /** the clock in milliseconds (default now * 1000) */
  nowMs?: number;
  rng: Rng;
}

/**
 * The created_ms and author_seq of this node's next message in a circle (docs/PROTOCOL.md §5):
 * strictly after its last one (even if the clock went back) and numbered one more. Derived from
 * the store, so it survives restarts.
 */
export function nextOrder(ctx: V2Ctx, circleId: string, nowMs: number) {
  const last = ctx.store.lastAuthored(circleId, nodeIdOf(ctx.self.edPublic));
  return orderFields(Math.max(Math.floor(nowMs), last.createdMs + 1), last.authorSeq + 1);
}

/** Sign this node's next message of `kind` in `c.channelId` under the circle's current key epoch (§5). */
export function signOwn(ctx: V2Ctx, circle: CircleRow, c: Compose, kind: MessageKind, body: Uint8Array): SignedMessage {
  return signMessage(ctx.self.edSecret, {
    circleId: c.circleId,
    channelId: c.channelId,
    authorKey: ctx.self.edPublic,
    ...nextOrder(ctx, c.circleId, c.nowMs ?? c.now * 1000),
    keyEpoch: circle.keyEpoch,
    kind,
    displayName: c.displayName,
    body,
    salt: c.rng(16),
  });
}

/**
 * Sign a text message under the circle's current epoch. In an access-controlled channel the
 * text is sealed under the newest channel key; without one the send is refused. In a legacy
 * circle a plain message also gets its v1 MAC, so original peers receive it as usual.
 */
export function composeText(
  ctx: V2Ctx,
  c: Compose & { text: string },
): Verdict<{ signed: SignedMessage; row: StoredMessage }> {
  const circle = ctx.store.getCircle(c.circleId);
  if (!circle) return reject("unknown circle");
  const ch = ctx.store.getV2Channel(c.circleId, c.channelId);
  let kind: 0 | 1 = KIND_TEXT;
  let body: Uint8Array = new TextEncoder().encode(c.text);
  if (ch && ch.mode !== "public") {
    const k = ctx.store.latestChannelKey(c.circleId, c.channelId);
    if (!k) return reject("no key for this channel");
    kind = KIND_SEALED;
    body = sealBody(
      fromHex(k.keyHex),
      { circleId: c.circleId, channelId: c.channelId, keyVersion: k.version, text: c.text },
      c.rng(12),
    );
  }
  const signed = signOwn(ctx, circle, c, kind, body);
  const r = acceptSigned({ ...ctx, now: c.now }, circle, signed.wire, "local");
  if (!r.ok) return r;
  return accept({ signed, row: ctx.store.getMessages(c.circleId, [signed.msgId])[0]! });
}
