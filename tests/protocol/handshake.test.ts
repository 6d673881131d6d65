// v1 handshake token, session key and encrypted framing (PROTOCOL-V1.md §3.2-3.3), and the web
// data channel's AUTH value (§7.5).
import { describe, expect, test } from "bun:test";
import {
  decryptFrameLine,
  encryptFrameLine,
  encryptedLineLength,
  handshakeToken,
  hkdfSha256,
  hmacHex,
  sessionKey,
  toHex,
  utf8,
} from "../../src/protocol/index.ts";
import { expectProtocolError, hex, loadVectors, withRegressions } from "./vectors.ts";

const v = loadVectors("v1-handshake");
const secret = hex(v.secret_hex);
const key = hex(v.session_key.session_key);

test("token = hmachex(secret, node_id|circle_id|server_nonce)", () => {
  expect(v.token.input).toBe(`${v.client_node_id}|${v.circle_id}|${v.server_nonce}`);
  expect(handshakeToken(secret, v.client_node_id, v.circle_id, v.server_nonce)).toBe(v.token.token);
  expect(hmacHex(secret, v.token.input)).toBe(v.token.token);
});

test("session key = HKDF(secret, client_nonce || server_nonce, felund-session-v1)", () => {
  expect(toHex(sessionKey(secret, v.client_nonce, v.server_nonce))).toBe(v.session_key.session_key);
  expect(toHex(hkdfSha256(secret, hex(v.session_key.salt_hex), v.session_key.info))).toBe(v.session_key.session_key);
  // The salt order matters: the server derives with the client's nonce first, too.
  expect(toHex(sessionKey(secret, v.server_nonce, v.client_nonce))).not.toBe(v.session_key.session_key);
});

describe("encrypted frames", () => {
  for (const c of withRegressions(v, "frames")) {
    test(`encrypt with fixed nonce: ${c.name}`, () => {
      expect(encryptFrameLine(key, c.plaintext, hex(c.nonce_hex))).toBe(c.line);
    });
    test(`decrypt: ${c.name}`, () => {
      expect(decryptFrameLine(key, c.line)).toBe(c.plaintext);
      expect(decryptFrameLine(key, c.line + "\n")).toBe(c.plaintext);
      expect(decryptFrameLine(key, c.line + "\r\n")).toBe(c.plaintext);
    });
    test(`line length: ${c.name}`, () => {
      expect(encryptedLineLength(utf8(c.plaintext).length)).toBe(c.line.length + 1);
    });
  }
  test("random nonces round trip", () => {
    for (let i = 0; i < 20; i++) {
      const nonce = crypto.getRandomValues(new Uint8Array(12));
      const pt = JSON.stringify({ t: "MSGS_REQ", circle_id: v.circle_id, msg_ids: ["x".repeat(i)] });
      expect(decryptFrameLine(key, encryptFrameLine(key, pt, nonce))).toBe(pt);
    }
  });
});

describe("tampered or foreign frames are a ProtocolError", () => {
  for (const c of withRegressions(v, "frames_invalid")) {
    test(c.name, () => expectProtocolError(() => decryptFrameLine(key, c.line)));
  }
});

test("web data-channel AUTH = hmachex(secret, dc-auth:myNonce:peerNonce)", () => {
  const d = v.dc_auth;
  expect(d.input).toBe(`dc-auth:${d.my_nonce}:${d.peer_nonce}`);
  expect(hmacHex(secret, d.input)).toBe(d.auth);
  expect(hmacHex(secret, d.peer_expects_input)).toBe(d.peer_expects);
});
