// Who may call the node's loopback HTTP server: a loopback Host header (no DNS rebinding), a
// same-origin Origin when a browser sends one, and (for the local API) the per-install token.
// One check for the local API (local-api.ts) and, on `felund serve`, the relay API beside it.
import type { ErrorCode } from "../protocol/errors.ts";
import { timingSafeEqualStr } from "../protocol/crypto.ts";

const LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"];

export function isAllowedHost(host: string | null, port: number): boolean {
  if (!host) return false;
  return LOOPBACK_HOSTS.some((h) => host === `${h}:${port}`);
}
export function isAllowedOrigin(origin: string | null, port: number): boolean {
  if (!origin) return true; // non-browser clients send none
  return LOOPBACK_HOSTS.some((h) => origin === `http://${h}:${port}`);
}

function tokenOf(req: Request): string {
  const auth = req.headers.get("authorization");
  if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
  const h = req.headers.get("x-felund-token");
  if (h) return h.trim();
  return new URL(req.url).searchParams.get("token") ?? "";
}

/**
 * Why a request is not from this loopback server's own origin (a foreign Host header: DNS
 * rebinding; a foreign Origin: another web page), or undefined. The one check for every
 * route on the loopback port: the local API below and, on `felund serve`, the relay API.
 */
export function foreignOrigin(req: Request, port: number): string | undefined {
  if (!isAllowedHost(req.headers.get("host") ?? new URL(req.url).host, port))
    return "forbidden: Host is not this machine's loopback address";
  if (!isAllowedOrigin(req.headers.get("origin"), port)) return "forbidden: cross-origin request";
  return undefined;
}

/** Why the local API refuses a request (status and body), or undefined to go on. */
export function refusal(
  req: Request,
  token: string,
  port: number,
): { status: 401 | 403; body: { ok: false; error: string; code: ErrorCode } } | undefined {
  const foreign = foreignOrigin(req, port);
  if (foreign) return { status: 403, body: { ok: false, error: foreign, code: "E_FORBIDDEN" } };
  if (!timingSafeEqualStr(tokenOf(req), token))
    return {
      status: 401,
      body: { ok: false, error: "unauthorized: missing or wrong token", code: "E_UNAUTHORIZED" },
    };
  return undefined;
}
