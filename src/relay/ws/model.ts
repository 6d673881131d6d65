// Model of the WebSocket push /v1/relay/ws (relay_ws.py, PROTOCOL-V1.md §6.4).
import { t } from "elysia";
import * as L from "../../protocol/limits.ts";
import { circleHint } from "../messages/model.ts";

export const WsQuery = t.Object(
  {
    circle_hint: circleHint,
    node_id: t.String({
      minLength: 1,
      maxLength: L.RELAY_ID_MAX,
      error: `Field 'node_id' must be a string (1-${L.RELAY_ID_MAX} chars)`,
    }),
    typing: t.Optional(
      t.String({ description: '"1": this subscriber sends and receives typing notices (docs/PROTOCOL.md §22)' }),
    ),
  },
  { additionalProperties: true },
);
