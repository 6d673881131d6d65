// Member cards (docs/PROTOCOL.md §6.1): each member publishes its Ed25519 key (as the signer)
// and X25519 key (for sealed keys) and display name in a signed control message. The newest
// card (created_ts, then msg_id) of an author wins. Cards let the owner seal REKEY boxes and
// channel keys, and let every node recognise a v2 node by its node_id.
import { CONTROL_CHANNEL } from "../message.ts";
import { decodeEvent } from "./control.ts";
import { encodeEvent } from "./control-encode.ts";
import { KIND_CONTROL, signMessage, type SignedMessage } from "./message.ts";
import type { NodeKeys } from "./keys.ts";

export interface MemberCard {
  circleId: string;
  nodeId: string;
  edKey: Uint8Array;
  xKey: Uint8Array;
  displayName: string;
  issuedTs: number;
  msgId: string;
}

export function makeCardMessage(
  keys: NodeKeys,
  a: {
    circleId: string;
    displayName: string;
    ts: number;
    /** version 2 (§5): the author's created_ms and author_seq; without it, a version-1 card dated `ts` */
    order?: { createdTs: number; createdMs: number; authorSeq: number };
    epoch: number;
    salt: Uint8Array;
  },
): SignedMessage {
  return signMessage(keys.edSecret, {
    circleId: a.circleId,
    channelId: CONTROL_CHANNEL,
    authorKey: keys.edPublic,
    createdTs: a.ts,
    ...a.order,
    keyEpoch: a.epoch,
    kind: KIND_CONTROL,
    displayName: a.displayName,
    body: encodeEvent({ t: "card", xKey: keys.xPublic, displayName: a.displayName }),
    salt: a.salt,
  });
}

/** The card carried by a verified control message, or null when it is another event. */
export function cardOf(m: SignedMessage): MemberCard | null {
  if (m.kind !== KIND_CONTROL) return null;
  const e = decodeEvent(m.body);
  if (e.t !== "card") return null;
  return {
    circleId: m.circleId,
    nodeId: m.authorNodeId,
    edKey: m.authorKey,
    xKey: e.xKey,
    displayName: e.displayName,
    issuedTs: m.createdTs,
    msgId: m.msgId,
  };
}

/** Newer card wins: greater issued ts, then greater msg_id (the same choice on every node). */
export const cardIsNewer = (
  a: { issuedTs: number; msgId: string },
  b: { issuedTs: number; msgId: string } | undefined,
): boolean => !b || a.issuedTs > b.issuedTs || (a.issuedTs === b.issuedTs && a.msgId > b.msgId);
