// Request and response models of /v1/signal (relay_ws.py semantics, PROTOCOL-V1.md §6.4).
import { t } from "elysia";
import * as L from "../../protocol/limits.ts";
import { circleHint } from "../messages/model.ts";

/**
 * The original's call signalling types, plus "felund-v2": one line of a felund2 admission
 * (the v2 handshake of a join by invite, docs/PROTOCOL.md §10.1), for owners without a
 * reachable TCP address (relay-only browsers). Payloads are handshake lines: the relay learns
 * nothing from them.
 */
export const SIGNAL_TYPES = [
  "offer",
  "answer",
  "candidate",
  "media-offer",
  "media-answer",
  "media-candidate",
  "felund-v2",
] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

const id = (name: string) =>
  t.String({
    minLength: L.RELAY_ID_MIN,
    maxLength: L.RELAY_ID_MAX,
    error: `Field '${name}' must be a string (${L.RELAY_ID_MIN}-${L.RELAY_ID_MAX} chars)`,
  });

export const PostSignalBody = t.Object(
  {
    session_id: t.String({
      minLength: L.RELAY_SIGNAL_SESSION_MIN,
      maxLength: L.RELAY_SIGNAL_SESSION_MAX,
      error: `Field 'session_id' must be a string (${L.RELAY_SIGNAL_SESSION_MIN}-${L.RELAY_SIGNAL_SESSION_MAX} chars)`,
    }),
    from_node_id: id("from_node_id"),
    to_node_id: id("to_node_id"),
    circle_hint: circleHint,
    type: t.Union(
      SIGNAL_TYPES.map((x) => t.Literal(x)),
      { error: `Field 'type' must be one of: ${SIGNAL_TYPES.join(", ")}` },
    ),
    payload: t.String({
      maxLength: L.RELAY_SIGNAL_PAYLOAD_MAX,
      error: `Field 'payload' must be a string (<= ${L.RELAY_SIGNAL_PAYLOAD_MAX} chars)`,
    }),
    node_proof: t.Optional(
      t.String({
        maxLength: 256,
        description:
          "Optional proof that the sender owns from_node_id (felund v2 ids: first 24 hex of SHA-256 of an Ed25519 key): " +
          "'<ts>.<public key hex>.<signature hex>', the signature over " +
          "'felund-signal-proof/1\\n<ts>\\n<from_node_id>\\n<to_node_id>\\n<session_id>\\n<type>\\n<sha256 hex of payload>', " +
          `ts (Unix seconds) within ${L.RELAY_SIGNAL_PROOF_SKEW_S} s of the relay's clock. With it the signal is charged to that node's own ` +
          "budget; without it, to the pair (from_node_id, client address), so nobody can spend another node's budget. An invalid proof is refused (400).",
        error: "Field 'node_proof' must be a string '<ts>.<64 hex>.<128 hex>'",
      }),
    ),
    ttl_s: t.Optional(
      t.Unknown({
        description: `seconds; clamped to ${L.RELAY_SIGNAL_TTL_MIN_S}-${L.RELAY_SIGNAL_TTL_CANDIDATE_MAX_S} for candidates, ${L.RELAY_SIGNAL_TTL_MIN_S}-${L.RELAY_SIGNAL_TTL_MAX_S} otherwise; default the maximum`,
      }),
    ),
  },
  { additionalProperties: true },
);
export type PostSignalBody = typeof PostSignalBody.static;

export const PostSignalResponse = t.Object({ ok: t.Literal(true), server_time: t.Integer() });

export const GetSignalQuery = t.Object(
  {
    to_node_id: id("to_node_id"),
    since_id: t.Optional(t.String({ description: "return signals with id > since_id (integer-cast, default 0)" })),
    session_id: t.Optional(t.String({ maxLength: L.RELAY_SIGNAL_SESSION_MAX })),
  },
  { additionalProperties: true },
);

export const Signal = t.Object({
  id: t.Integer(),
  session_id: t.String(),
  from_node: t.String(),
  to_node: t.String(),
  type: t.String(),
  payload: t.String(),
  created_at: t.Integer(),
});
export const GetSignalResponse = t.Object({ ok: t.Literal(true), signals: t.Array(Signal), server_time: t.Integer() });
