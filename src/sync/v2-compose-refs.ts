// Authoring a reply, reaction, edit or delete (docs/PROTOCOL.md §18): the content is sealed
// under the channel key where the channel has one (as kind-1 text is), signed under the circle's
// epoch, and applied here through acceptSigned like anything received, so the same rules hold.
import { fromHex } from "../protocol/bytes.ts";
import { accept, reject, type Verdict } from "../protocol/verdict.ts";
import { sealBody } from "../protocol/v2/channel-keys.ts";
import type { SignedMessage } from "../protocol/v2/message.ts";
import {
  clearPayload,
  contentError,
  encodeRefBody,
  FORM_CLEAR,
  FORM_SEALED,
  KIND_DELETE,
  type RefKind,
} from "../protocol/v2/refs.ts";
import type { StoredMessage } from "./store.ts";
import { acceptSigned, signOwn, type Compose, type V2Ctx } from "./v2-apply.ts";
import "./v2-refs.ts"; // the store rules of what this composes (they register themselves)

export function composeRef(
  ctx: V2Ctx,
  c: Compose & { kind: RefKind; targetId: string; content: string },
): Verdict<{ signed: SignedMessage; row: StoredMessage }> {
  const circle = ctx.store.getCircle(c.circleId);
  if (!circle) return reject("unknown circle");
  const err = contentError(c.kind, c.content);
  if (err) return reject(err);
  const ch = ctx.store.getV2Channel(c.circleId, c.channelId);
  let body = encodeRefBody({ targetId: c.targetId, form: FORM_CLEAR, payload: clearPayload(c.content) });
  if (ch && ch.mode !== "public" && c.kind !== KIND_DELETE) {
    const k = ctx.store.latestChannelKey(c.circleId, c.channelId);
    if (!k) return reject("no key for this channel");
    const sealed = sealBody(
      fromHex(k.keyHex),
      { circleId: c.circleId, channelId: c.channelId, keyVersion: k.version, text: c.content },
      c.rng(12),
    );
    body = encodeRefBody({ targetId: c.targetId, form: FORM_SEALED, payload: sealed });
  }
  const signed = signOwn(ctx, circle, c, c.kind, body);
  const r = acceptSigned({ ...ctx, now: c.now }, circle, signed.wire, "local");
  if (!r.ok) return r;
  const row = ctx.store.getMessage(signed.msgId);
  if (!row) return reject("not stored");
  return accept({ signed, row });
}
