// Request and response models of POST/GET /v1/messages (PROTOCOL-V1.md §6.2 plus the cursor fields).
import { t } from "elysia";
import * as L from "../../protocol/limits.ts";

/**
 * A JSON integer. Elysia's t.Integer also accepts numeric strings and then re-walks every
 * body to convert them; a number with multipleOf 1 is checked in place, as PHP's is_int.
 */
export const jsonInteger = (o: { minimum?: number; maximum?: number; error?: string; description?: string } = {}) =>
  t.Number({ multipleOf: 1, ...o });

export const circleHint = t.String({
  minLength: L.RELAY_ID_MIN,
  maxLength: L.RELAY_ID_MAX,
  error: `Field 'circle_hint' must be a string (${L.RELAY_ID_MIN}-${L.RELAY_ID_MAX} bytes)`,
  description: "Circle hint (first 16 hex of sha256 of the circle id for original clients)",
});

/** An envelope as clients post it (PROTOCOL-V1.md §4.4). Only these fields are checked; all are stored as posted. */
export const Envelope = t.Object(
  {
    msg_id: t.String({
      minLength: L.RELAY_MSG_ID_MIN,
      maxLength: L.RELAY_MSG_ID_MAX,
      error: `Field 'msg_id' must be a string (${L.RELAY_MSG_ID_MIN}-${L.RELAY_MSG_ID_MAX} bytes)`,
    }),
    created_ts: t.Optional(
      jsonInteger({
        minimum: 0,
        maximum: L.RELAY_CREATED_TS_MAX,
        error: "Field 'created_ts' must be a non-negative integer",
      }),
    ),
    text: t.Optional(t.String({ error: "Field 'text' must be a string" })),
    circle_id: t.Optional(t.Unknown()),
    channel_id: t.Optional(t.Unknown()),
    author_node_id: t.Optional(t.Unknown()),
    enc: t.Optional(t.Unknown({ description: "AES-256-GCM block {alg,key_id,nonce,ciphertext}; opaque to the relay" })),
  },
  { additionalProperties: true, error: "Each message must be an object with a msg_id" },
);

export const PostMessagesBody = t.Object(
  {
    circle_hint: circleHint,
    messages: t.Optional(
      t.Array(Envelope, {
        maxItems: L.RELAY_BATCH_MAX,
        error: `Too many messages (max ${L.RELAY_BATCH_MAX} per batch)`,
      }),
    ),
  },
  { additionalProperties: true },
);
export type PostMessagesBody = typeof PostMessagesBody.static;

export const PostMessagesResponse = t.Object({
  ok: t.Literal(true),
  stored: t.Integer({ description: "envelopes newly stored (a msg_id already stored under this hint is ignored)" }),
  server_time: t.Integer(),
});

export const GetMessagesQuery = t.Object(
  {
    circle_hint: circleHint,
    since: t.Optional(
      t.String({ description: "original paging: rows stored after this second (integer-cast, default 0)" }),
    ),
    limit: t.Optional(
      t.String({ description: `page size, clamped to 1-${L.RELAY_PAGE_MAX} (default ${L.RELAY_PAGE_DEFAULT})` }),
    ),
    cursor: t.Optional(
      t.String({
        pattern: "^[0-9]{1,15}$",
        error: "Field 'cursor' must be a non-negative integer",
        description: "monotonic paging: rows after this seq (use next_cursor); wins over since",
      }),
    ),
    before: t.Optional(
      t.String({
        pattern: "^[0-9]{1,16}$",
        error: "Field 'before' must be a non-negative integer",
        description:
          "newest-first paging (docs/PROTOCOL.md §27): the newest `limit` rows below this seq, oldest first (continue with before_cursor); wins over cursor and since",
      }),
    ),
    count: t.Optional(t.String({ description: "with `before`: 1 adds `total`, the circle's stored envelopes" })),
  },
  { additionalProperties: true },
);

export const GetMessagesResponse = t.Object({
  ok: t.Literal(true),
  messages: t.Array(t.Unknown(), { description: "stored envelopes, exactly as posted" }),
  server_time: t.Integer({
    description:
      "cursor mode: now. since mode: the `since` to ask next (a complete second; <= now-1), so original clients never skip rows",
  }),
  cursors: t.Array(t.Integer(), { description: "seq of each returned envelope" }),
  next_cursor: t.Integer({ description: "pass as cursor= to continue" }),
  more: t.Boolean({ description: "true when more rows follow this page (a `before` page: rows below it)" }),
  before_cursor: t.Optional(
    t.Integer({ description: "a `before` page only: its lowest seq, to pass as before= for the rows below it" }),
  ),
  total: t.Optional(t.Integer({ description: "a `before` page asked with count=1: the circle's stored envelopes" })),
});
