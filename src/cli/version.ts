// `felund --version`: this release and the protocols it speaks, so an operator can tell which
// peers and relays a binary can meet without reading its source.
import pkg from "../../package.json" with { type: "json" };
import { V2_VERSION } from "../protocol/limits.ts";
import { RELAY_API_VERSION } from "../relay/health/service.ts";

export function versionText(): string {
  return [
    `felund ${pkg.version}`,
    "protocols: v1 wire (the original felund's TCP gossip, message schema 1 and 2; relay API /v1)",
    `           felund2 v2 version ${V2_VERSION} (signed messages over TCP sessions and relays)`,
    `relay API ${RELAY_API_VERSION}; Bun ${Bun.version} ${process.platform}-${process.arch}`,
  ].join("\n");
}
