// The HTTP edge shared by every relay feature: CORS and JSON responses exactly as the PHP
// relay sends them (PROTOCOL-V1.md §6.1; errors add felund's stable `code`), refusals mapped to
// statuses and codes, the size-limited JSON body
// parser, the client address rule (proxy headers only when trusted, W10) and path
// normalisation (everything up to the last "/v1" is ignored).
import { type ErrorCode, FelundError, STATUS as CODE_STATUS } from "../protocol/errors.ts";
import { jsonNestsDeeper } from "../protocol/json-depth.ts";
import { JSON_BODY_DEPTH_MAX } from "../protocol/limits.ts";
import type { Refusal } from "./verdict.ts";
import { logEvent } from "../peer/log.ts";

export const CORS_HEADERS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type, X-Felund-Node, X-Felund-Ts, X-Felund-Nonce, X-Felund-Signature",
} as const;

const JSON_HEADERS = { "Content-Type": "application/json; charset=utf-8", ...CORS_HEADERS };
const JSON_INIT: ResponseInit = { status: 200, headers: JSON_HEADERS };

/** 200 with JSON the caller built (hot paths splice stored JSON instead of re-serialising). */
export function jsonText(body: string | Uint8Array<ArrayBuffer>): Response {
  return new Response(body, JSON_INIT);
}

export function json(value: unknown, status = 200, extra?: Record<string, string>): Response {
  return new Response(JSON.stringify(value), { status, headers: extra ? { ...JSON_HEADERS, ...extra } : JSON_HEADERS });
}

/** {"ok":false,"detail":…} as the PHP relay, plus the code; the status is the code's unless given. */
export function errorResponse(
  code: ErrorCode,
  detail: string,
  extra?: Record<string, string>,
  status = CODE_STATUS[code] ?? 400,
): Response {
  return json({ ok: false, detail, code }, status, extra);
}

/** The same answer without the CORS headers (a relay mounted for its own origin only). */
export function withoutCors(r: Response): Response {
  for (const k of Object.keys(CORS_HEADERS)) r.headers.delete(k);
  return r;
}

export function preflight(): Response {
  return new Response(null, { status: 204, headers: CORS_HEADERS });
}

/** The code of each refusal; a full disk is the machine's refusal, answered 507 as the PHP relay. */
const CODE: Record<Refusal["kind"], ErrorCode> = {
  invalid: "E_BAD_INPUT",
  too_large: "E_TOO_LONG",
  rate_limited: "E_RATE_LIMITED",
  quota: "E_RATE_LIMITED",
  insufficient_storage: "E_SYSTEM",
};

export function refusalResponse(r: Refusal): Response {
  return errorResponse(
    CODE[r.kind],
    r.reason,
    "retryAfterS" in r ? { "Retry-After": String(r.retryAfterS) } : undefined,
    r.kind === "insufficient_storage" ? 507 : undefined,
  );
}

/** A request the edge refuses before any service sees it (body too large, not JSON). */
const tooLarge = (max: number) => new FelundError("E_TOO_LONG", `Request body too large (max ${max} bytes)`);
const badBody = (detail: string) => new FelundError("E_BAD_INPUT", detail);

export const NOT_JSON = "Request body must be a JSON object";

/** The exact bytes of each parsed body: what a signed request's signature covers (signed.ts). */
export const rawBodies = new WeakMap<Request, Uint8Array>();
export const TOO_DEEP = `Request body is nested too deeply (max ${JSON_BODY_DEPTH_MAX} levels)`;

/**
 * Elysia `parse` hooks for every relay body: refuses bodies over `max` bytes with 413 without
 * buffering them, accepts any content type (the PHP relay ignores it), treats an empty body
 * as {}, and refuses anything that is not a JSON object or array (as PHP's is_array).
 */
export function jsonBodyParser(max: number) {
  const parse = async ({ request }: { request: Request }): Promise<unknown> => {
    const declared = request.headers.get("content-length");
    if (declared !== null && Number(declared) > max) throw tooLarge(max);
    const bytes = declared !== null ? Buffer.from(await request.arrayBuffer()) : await readCapped(request, max);
    if (bytes.byteLength > max) throw tooLarge(max);
    rawBodies.set(request, bytes);
    const text = bytes.toString("utf8");
    if (text.trim() === "") return {};
    if (jsonNestsDeeper(text, JSON_BODY_DEPTH_MAX)) {
      const path = new URL(request.url).pathname;
      logEvent(
        "warn",
        "relay.body_too_deep",
        `felund relay: refused a request body nested deeper than ${JSON_BODY_DEPTH_MAX} levels (${request.method} ${path})`,
        { method: request.method, path },
      );
      throw badBody(TOO_DEEP);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw badBody(NOT_JSON);
    }
    if (value === null || typeof value !== "object") throw badBody(NOT_JSON);
    return value;
  };
  // The function always answers; "json" after it never runs and only tells the OpenAPI
  // generator that these bodies are application/json.
  return [parse, "json" as const];
}

async function readCapped(request: Request, max: number): Promise<Buffer> {
  if (!request.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > max) throw tooLarge(max);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The smallest piece of Bun's Server that the relay needs. */
export interface AddressSource {
  requestIP(request: Request): { address: string } | null;
}

/** Requests re-dispatched by the prefix fallback carry the original client address here. */
export const forwardedAddress = new WeakMap<Request, string>();

/**
 * The client's address. Proxy headers are believed only with `trustProxy` (W10: otherwise
 * anyone could pick the address that rate limits and `observed_host` see), and then the
 * last X-Forwarded-For entry is taken: the one our proxy appended. The PHP relay took the
 * first, which the client writes itself.
 */
export function clientAddress(
  request: Request,
  server: AddressSource | null | undefined,
  trustProxy: boolean | ((socketAddress: string) => boolean),
): string | null {
  // with ranges, only a peer whose socket address is in them is believed (the proxy itself)
  const trusted = typeof trustProxy === "function" ? trustProxy(socketAddress(request, server) ?? "") : trustProxy;
  if (trusted) {
    const xff = request.headers.get("x-forwarded-for");
    if (xff) {
      const last = xff.slice(xff.lastIndexOf(",") + 1).trim();
      if (last) return last;
    }
    const real = request.headers.get("x-real-ip")?.trim();
    if (real) return real;
  }
  return socketAddress(request, server);
}

function socketAddress(request: Request, server: AddressSource | null | undefined): string | null {
  const carried = forwardedAddress.get(request);
  if (carried !== undefined) return carried;
  const a = server?.requestIP(request)?.address;
  if (!a) return null;
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

/** PROTOCOL-V1.md §6.1: strip trailing "/", drop everything up to and including the last "/v1", one leading "/". */
export function normalizePath(pathname: string): string {
  let p = pathname.replace(/\/+$/, "");
  const i = p.lastIndexOf("/v1");
  if (i !== -1) p = p.slice(i + 3);
  return "/" + p.replace(/^\/+/, "");
}

const felundErrorResponse = (e: FelundError) => errorResponse(e.code, e.message, undefined, e.status);

/** Maps Elysia's lifecycle errors on relay routes to the relay's JSON errors. */
export function relayErrorResponse(code: string | number, error: unknown, request: Request): Response | undefined {
  if (code === "PARSE") {
    const cause = (error as { cause?: unknown })?.cause;
    if (cause instanceof FelundError) return felundErrorResponse(cause);
    return errorResponse("E_BAD_INPUT", NOT_JSON);
  }
  if (error instanceof FelundError) return felundErrorResponse(error);
  if (code === "VALIDATION") return errorResponse("E_BAD_INPUT", validationDetail(error));
  if (code === "NOT_FOUND")
    return errorResponse("E_NOT_FOUND", `Not found: ${request.method} ${normalizePath(new URL(request.url).pathname)}`);
  // Our own bug or a storage failure: say so loudly in the log, and only generically to the client.
  const path = new URL(request.url).pathname;
  logEvent(
    "error",
    "relay.internal_error",
    `felund relay: internal error on ${request.method} ${path} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    { method: request.method, path, error },
  );
  return errorResponse("E_SYSTEM", "Internal error");
}

interface ValueErrorLike {
  path?: string;
  message?: string;
  schema?: { error?: unknown };
}

/** The first validation error as one line; a schema's own `error` text wins. */
export function validationDetail(error: unknown): string {
  const first = (error as { valueError?: ValueErrorLike })?.valueError;
  if (!first) return "Invalid request";
  if (typeof first.schema?.error === "string") return first.schema.error;
  const field = (first.path ?? "").replace(/^\//, "").replace(/\//g, ".");
  return field ? `Field '${field}': ${first.message ?? "invalid"}` : (first.message ?? "Invalid request");
}
