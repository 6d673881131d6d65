// The HTTP edge shared by every relay feature: CORS and JSON responses exactly as the PHP
// relay sends them (PROTOCOL-V1.md §6.1), refusals mapped to statuses, the size-limited JSON body
// parser, the client address rule (proxy headers only when trusted, W10) and path
// normalisation (everything up to the last "/v1" is ignored).
import { jsonNestsDeeper } from "../protocol/json-depth.ts";
import { JSON_BODY_DEPTH_MAX } from "../protocol/limits.ts";
import type { Refusal } from "./verdict.ts";

export const CORS_HEADERS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type, X-Felund-Node",
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

export function errorResponse(status: number, detail: string, extra?: Record<string, string>): Response {
  return json({ ok: false, detail }, status, extra);
}

/** The same answer without the CORS headers (a relay mounted for its own origin only). */
export function withoutCors(r: Response): Response {
  for (const k of Object.keys(CORS_HEADERS)) r.headers.delete(k);
  return r;
}

export function preflight(): Response {
  return new Response(null, { status: 204, headers: CORS_HEADERS });
}

const STATUS: Record<Refusal["kind"], number> = {
  invalid: 400,
  too_large: 413,
  rate_limited: 429,
  quota: 429,
  insufficient_storage: 507,
};

export function refusalResponse(r: Refusal): Response {
  return errorResponse(
    STATUS[r.kind],
    r.reason,
    "retryAfterS" in r ? { "Retry-After": String(r.retryAfterS) } : undefined,
  );
}

/** A request the edge refuses before any service sees it (body too large, not JSON). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export const NOT_JSON = "Request body must be a JSON object";
export const TOO_DEEP = `Request body is nested too deeply (max ${JSON_BODY_DEPTH_MAX} levels)`;

/**
 * Elysia `parse` hooks for every relay body: refuses bodies over `max` bytes with 413 without
 * buffering them, accepts any content type (the PHP relay ignores it), treats an empty body
 * as {}, and refuses anything that is not a JSON object or array (as PHP's is_array).
 */
export function jsonBodyParser(max: number) {
  const parse = async ({ request }: { request: Request }): Promise<unknown> => {
    const declared = request.headers.get("content-length");
    if (declared !== null && Number(declared) > max)
      throw new HttpError(413, `Request body too large (max ${max} bytes)`);
    const text = declared !== null ? await request.text() : await readCapped(request, max);
    if (text.length * 3 > max && Buffer.byteLength(text) > max)
      throw new HttpError(413, `Request body too large (max ${max} bytes)`);
    if (text.trim() === "") return {};
    if (jsonNestsDeeper(text, JSON_BODY_DEPTH_MAX)) {
      console.error(
        `felund relay: refused a request body nested deeper than ${JSON_BODY_DEPTH_MAX} levels (${request.method} ${new URL(request.url).pathname})`,
      );
      throw new HttpError(400, TOO_DEEP);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new HttpError(400, NOT_JSON);
    }
    if (value === null || typeof value !== "object") throw new HttpError(400, NOT_JSON);
    return value;
  };
  // The function always answers; "json" after it never runs and only tells the OpenAPI
  // generator that these bodies are application/json.
  return [parse, "json" as const];
}

async function readCapped(request: Request, max: number): Promise<string> {
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > max) throw new HttpError(413, `Request body too large (max ${max} bytes)`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
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
  trustProxy: boolean,
): string | null {
  if (trustProxy) {
    const xff = request.headers.get("x-forwarded-for");
    if (xff) {
      const last = xff.slice(xff.lastIndexOf(",") + 1).trim();
      if (last) return last;
    }
    const real = request.headers.get("x-real-ip")?.trim();
    if (real) return real;
  }
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

/** Maps Elysia's lifecycle errors on relay routes to the relay's JSON errors. */
export function relayErrorResponse(code: string | number, error: unknown, request: Request): Response | undefined {
  if (code === "PARSE") {
    const cause = (error as { cause?: unknown })?.cause;
    if (cause instanceof HttpError) return errorResponse(cause.status, cause.message);
    return errorResponse(400, NOT_JSON);
  }
  if (error instanceof HttpError) return errorResponse(error.status, error.message);
  if (code === "VALIDATION") return errorResponse(400, validationDetail(error));
  if (code === "NOT_FOUND")
    return errorResponse(404, `Not found: ${request.method} ${normalizePath(new URL(request.url).pathname)}`);
  // Our own bug or a storage failure: say so loudly in the log, and only generically to the client.
  console.error("felund relay: internal error on", request.method, new URL(request.url).pathname, error);
  return errorResponse(500, "Internal error");
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
