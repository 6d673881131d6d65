// What the relay-only peer needs only for legacy-compatible circles (the original clients'
// protocol, reference v1): v1 envelopes, MAC'd messages, the store path of v1 messages, the
// signer of their relay requests, and the move of data from before v2. A chunk of its own:
// relay-backend.ts loads it at start when such a circle (or data from before v2) is there, and
// before creating or joining one.
import { parseControlEvent } from "../../../../src/protocol/control.ts";
import { useV1ControlParser } from "../../../../src/peer/timeline.ts";
export { v1Envelopes } from "../../../../src/sync/relay-envelopes-v1.ts";
import { computeMac } from "../../../../src/protocol/message.ts";
import { lendMac } from "./mac-soon.ts";
import "./mem-v1.ts"; // the store's answers to a v1 exchange
export { computeMac };
export { postV1 } from "../../../../src/peer/post-v1.ts";
export { adoptPreV2Circles, preV2Notice, replayPreV2History } from "./pre-v2.ts";
export { storeVerified } from "../../../../src/sync/merge.ts";
export { signerOf } from "./legacy-signer.ts";

// legacy circles' v1 control rows show as timeline lines too (src/peer/timeline.ts)
useV1ControlParser(parseControlEvent);
// and their messages get a v1 MAC on arrival (v2-apply.ts, in the web build through mac-soon.ts)
lendMac(computeMac);
