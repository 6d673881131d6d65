// What the relay's routes ask of its storage, so one set of Elysia routes serves both
// backends: SQLite (the default; synchronous answers, the hot path stays synchronous) and
// PostgreSQL (`--db postgres://…`; answers are promises). `after` chains either kind.
import type { PageQuery } from "./messages/service.ts";
import type { PostMessagesBody } from "./messages/model.ts";
import type { ObservedHost } from "./presence/service.ts";
import type { RegisterBody, UnregisterBody } from "./presence/model.ts";
import type { SignatureRefusal, SignedRequest } from "./signed.ts";
import type { PostSignalBody } from "./signal/model.ts";
import type { Outcome } from "./verdict.ts";
import type { TokenBuckets } from "./rate-limit.ts";

export type Maybe<T> = T | Promise<T>;

/** f(v) now if v is a value, or once it resolves. */
export const after = <T, R>(v: Maybe<T>, f: (t: T) => Maybe<R>): Maybe<R> =>
  v instanceof Promise ? (v.then(f) as Promise<R>) : f(v);

export interface MessagesApi {
  /** `rate`: the bucket newly stored envelopes spend (default: the per-hint rate; a signed history push: its allowance) */
  post(body: PostMessagesBody, rate?: TokenBuckets | null): Promise<Outcome<string>>;
  page(q: PageQuery): Maybe<Outcome<Uint8Array<ArrayBuffer>>>;
  backlogFrame(hint: string, windowS: number, max: number): Maybe<string | null>;
}

export interface Registered {
  server_time: number;
  expires_at: number;
  observed_host: ObservedHost | null;
}
export interface PresenceApi {
  register(b: RegisterBody, observed: ObservedHost | null, signingKey?: string): Maybe<Outcome<Registered>>;
  unregister(b: UnregisterBody): Maybe<Outcome<{ removed: boolean }>>;
  peers(hint: string, limitParam: string | undefined, exclude: string | null): Maybe<Outcome<string>>;
}

export interface SignalRow {
  id: number;
  session_id: string;
  from_node: string;
  to_node: string;
  type: string;
  payload: string;
  created_at: number;
}
export interface SignalApi {
  post(b: PostSignalBody, address: string | null): Maybe<Outcome<{ server_time: number }>>;
  list(
    toNode: string,
    sinceId: string | undefined,
    sessionId: string | undefined,
  ): Maybe<{ ok: true; signals: SignalRow[]; server_time: number }>;
}

export interface SignedApi {
  checkFor(hint: string, node: string | null, r: SignedRequest): Maybe<SignatureRefusal | null>;
  register(hint: string, node: string, named: string | null, r: SignedRequest): Maybe<SignatureRefusal | string>;
}

/** Gauges of /metrics. */
export interface StorageStats {
  stored: number;
  dbBytes: number;
}
