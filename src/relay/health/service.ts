// GET /v1/health: the API version original clients know, and the server clock.
export const RELAY_API_VERSION = "0.1.0";

export const health = (nowS: number) => ({ ok: true as const, version: RELAY_API_VERSION, time: nowS });
