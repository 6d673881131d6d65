// What relay services answer instead of throwing: a value, or a refusal whose kind each edge
// maps to a status (HTTP in http.ts). Reasons are the `detail` texts clients see.
export type Refusal =
  | { ok: false; kind: "invalid"; reason: string }
  | { ok: false; kind: "too_large"; reason: string }
  | { ok: false; kind: "rate_limited"; reason: string; retryAfterS: number }
  /** a per-hint storage quota is used up (HTTP 429 with Retry-After) */
  | { ok: false; kind: "quota"; reason: string; retryAfterS: number }
  /** the relay cannot store anything now: total quota or disk (HTTP 507) */
  | { ok: false; kind: "insufficient_storage"; reason: string };

export type Outcome<T> = { ok: true; value: T } | Refusal;

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const invalid = (reason: string): Refusal => ({ ok: false, kind: "invalid", reason });
export const tooLarge = (reason: string): Refusal => ({ ok: false, kind: "too_large", reason });
export const rateLimited = (reason: string, retryAfterS: number): Refusal => ({
  ok: false,
  kind: "rate_limited",
  reason,
  retryAfterS,
});
export const quotaExceeded = (reason: string, retryAfterS: number): Refusal => ({
  ok: false,
  kind: "quota",
  reason,
  retryAfterS,
});
export const insufficientStorage = (reason: string): Refusal => ({ ok: false, kind: "insufficient_storage", reason });
