// Request and response models of /v1/register and /v1/peers (PROTOCOL-V1.md §6.2, PHP semantics).
import { t } from "elysia";
import * as L from "../../protocol/limits.ts";
import { circleHint, jsonInteger } from "../messages/model.ts";

export const nodeId = t.String({
  minLength: L.RELAY_ID_MIN,
  maxLength: L.RELAY_ID_MAX,
  error: `Field 'node_id' must be a string (${L.RELAY_ID_MIN}-${L.RELAY_ID_MAX} bytes)`,
});

export const Endpoint = t.Object(
  {
    transport: t.Union([t.Literal("tcp"), t.Literal("ws")], { error: "Endpoint 'transport' must be one of: tcp, ws" }),
    host: t.String({
      minLength: 1,
      maxLength: L.RELAY_HOST_MAX,
      error: `Endpoint 'host' must be a string (1-${L.RELAY_HOST_MAX} chars)`,
    }),
    port: jsonInteger({ minimum: 1, maximum: 65535, error: "Endpoint 'port' must be an integer 1-65535" }),
    family: t.Optional(
      t.Union([t.Literal("ipv4"), t.Literal("ipv6")], { error: "Endpoint 'family' must be one of: ipv4, ipv6" }),
    ),
    nat: t.Optional(
      t.Union([t.Literal("unknown"), t.Literal("open"), t.Literal("restricted"), t.Literal("symmetric")], {
        error: "Endpoint 'nat' must be one of: unknown, open, restricted, symmetric",
      }),
    ),
  },
  { additionalProperties: true, error: "Each endpoint must be an object" },
);

export const Capabilities = t.Object(
  {
    relay: t.Optional(t.Unknown({ description: "truthy -> true" })),
    transport: t.Optional(t.Unknown({ description: 'only "tcp" and "ws" are kept' })),
  },
  { additionalProperties: true, error: "Field 'capabilities' must be an object" },
);

export const RegisterBody = t.Object(
  {
    node_id: nodeId,
    circle_hint: circleHint,
    endpoints: t.Optional(
      t.Array(Endpoint, {
        maxItems: L.RELAY_ENDPOINTS_MAX,
        error: `Field 'endpoints' must be an array (max ${L.RELAY_ENDPOINTS_MAX})`,
      }),
    ),
    capabilities: t.Optional(Capabilities),
    ttl_s: t.Optional(
      jsonInteger({
        minimum: L.RELAY_TTL_MIN_S,
        maximum: L.RELAY_TTL_MAX_S,
        error: `Field 'ttl_s' must be an integer (${L.RELAY_TTL_MIN_S}-${L.RELAY_TTL_MAX_S})`,
      }),
    ),
  },
  { additionalProperties: true },
);
export type RegisterBody = typeof RegisterBody.static;

export const ObservedHost = t.Nullable(
  t.Object({ host: t.String(), family: t.Union([t.Literal("ipv4"), t.Literal("ipv6")]) }),
);

export const RegisterResponse = t.Object({
  ok: t.Literal(true),
  server_time: t.Integer(),
  expires_at: t.Integer(),
  observed_host: ObservedHost,
});

export const UnregisterBody = t.Object({ node_id: nodeId, circle_hint: circleHint }, { additionalProperties: true });
export type UnregisterBody = typeof UnregisterBody.static;
export const UnregisterResponse = t.Object({ ok: t.Literal(true), removed: t.Boolean() });

export const PeersQuery = t.Object(
  {
    circle_hint: circleHint,
    limit: t.Optional(
      t.String({ description: `integer-cast, clamped to 1-${L.RELAY_PEERS_MAX} (default ${L.RELAY_PEERS_DEFAULT})` }),
    ),
  },
  { additionalProperties: true },
);

export const Peer = t.Object({
  node_id: t.String(),
  circle_hint: t.String(),
  endpoints: t.Array(t.Unknown()),
  capabilities: t.Object({ relay: t.Boolean(), transport: t.Array(t.String()) }),
  observed_at: t.Integer(),
  expires_at: t.Integer(),
});
export const PeersResponse = t.Object({ ok: t.Literal(true), peers: t.Array(Peer) });
