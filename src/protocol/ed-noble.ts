// @noble/ed25519 for the web build (audited, ~3 KB gzip, where @noble/curves' generic curve code
// is ~14 KB), with the SHA-512 it needs: a chunk of its own, loaded by primitives-web.ts's
// edReady() the first time this browser signs, or meets a signature WebCrypto did not find valid.
import * as ed from "@noble/ed25519";
import { sha512 } from "./sha512-web.ts";

ed.hashes.sha512 = sha512;
export { ed };
