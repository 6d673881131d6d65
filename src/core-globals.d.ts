// The web APIs that src/protocol, src/sync and src/peer may use, for tsconfig.core.json: it
// compiles those layers without the DOM and Bun types, so that a runtime global (document,
// fetch, setTimeout, Bun, process...) does not compile there. Each API below is in every
// runtime felund runs on (Bun, browsers) and does no I/O: text codecs, random bytes and
// WebCrypto's Ed25519 check and public key (the browser's fast path), base64. Only the members in use are listed.
// (The whole-tree tsconfig.json excludes this file: the DOM lib declares the same names.)

interface TextEncoder {
  encode(input?: string): Uint8Array<ArrayBuffer>;
}
declare var TextEncoder: { new (): TextEncoder };

interface TextDecoder {
  decode(input?: Uint8Array): string;
}
declare var TextDecoder: { new (label?: string, options?: { fatal?: boolean }): TextDecoder };

/** opaque here: only handed back to verify */
interface CryptoKey {
  readonly type: string;
}
interface SubtleCrypto {
  importKey(
    format: "raw",
    keyData: Uint8Array,
    algorithm: { name: "Ed25519" },
    extractable: boolean,
    keyUsages: "verify"[],
  ): Promise<CryptoKey>;
  /** an Ed25519 seed as PKCS#8, exported again as a JWK for its public key (the web build's edPrepare) */
  importKey(
    format: "pkcs8",
    keyData: Uint8Array,
    algorithm: "Ed25519",
    extractable: true,
    keyUsages: "sign"[],
  ): Promise<CryptoKey>;
  exportKey(format: "jwk", key: CryptoKey): Promise<{ x?: string }>;
  verify(algorithm: "Ed25519", key: CryptoKey, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
}
/** base64 (the JWK's key, above) */
declare function atob(data: string): string;
interface Crypto {
  getRandomValues<T extends Uint8Array>(array: T): T;
  readonly subtle: SubtleCrypto;
}
declare var crypto: Crypto;

// ---- timers: src/peer only (tests/layers.test.ts refuses them in src/protocol and src/sync) ----
/** opaque: only handed back to clear it */
interface TimerHandle {
  readonly __timer?: never;
}
declare function setTimeout(handler: () => void, ms?: number): TimerHandle;
declare function clearTimeout(handle: TimerHandle | undefined | null): void;
declare function setInterval(handler: () => void, ms?: number): TimerHandle;
declare function clearInterval(handle: TimerHandle | undefined | null): void;

/** query strings (src/peer's relay API) */
interface URLSearchParams {
  set(name: string, value: string): void;
  toString(): string;
}
declare var URLSearchParams: { new (init?: Record<string, string>): URLSearchParams };
