// Model of GET /v1/health (PROTOCOL-V1.md §6.2).
import { t } from "elysia";

export const HealthResponse = t.Object({
  ok: t.Literal(true),
  version: t.String({ description: "relay API version (0.1.0, as the PHP relay)" }),
  time: t.Integer({ description: "server clock, Unix seconds" }),
});
