// Child process for bugs-crash.test.ts: a node whose store throws a TypeError while it
// serves an exchange. Prints "swallowed" and exits 0 if the bug did not surface within 2 s.
// (No top-level await: with one pending, Bun prints an uncaught exception but does not exit.)
import { startNode } from "./helpers.ts";

void startNode("buggy").then(async (n) => {
  n.store.getCircle = () => {
    throw new TypeError("injected bug");
  };
  const sock = await Bun.connect({ hostname: "127.0.0.1", port: n.port, socket: { data() {} } });
  sock.write('{"t":"HELLO","node_id":"abcdefgh12345678","circle_id":"000000000000000000000000"}\n');
  setTimeout(() => {
    console.log("swallowed");
    process.exit(0);
  }, 2000);
});
