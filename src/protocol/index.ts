// The pure protocol core: everything here runs unchanged in Bun, browsers and tests.
export * from "./bytes.ts";
export * from "./json-python.ts";
export * from "./crypto.ts";
export * from "./limits.ts";
export * from "./verdict.ts";
export * from "./ids.ts";
export * from "./hostport.ts";
export * from "./invite.ts";
export * from "./channel-id.ts";
export * from "./message.ts";
export * from "./envelope.ts";
export * from "./session.ts";
export * from "./frames.ts";
export * from "./control.ts";
export * from "./message-schema2.ts";
