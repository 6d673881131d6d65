// Every bound felund enforces, with the reason for its value. Other modules import these
// names; nothing else hard-codes a limit.

/** v1 plaintext frame, including "\n": the Python node refuses and rejects longer lines (PROTOCOL-V1.md §3.1). */
export const V1_PLAIN_LINE_MAX = 16384;
/** v1 encrypted line, including "\n": the Python sender refuses longer ones (PROTOCOL-V1.md §3.1). */
export const V1_ENC_LINE_MAX = 32768;
/** Frame size between two felund-ts nodes that both advertised the extension. */
export const EXT_LINE_MAX = 1024 * 1024;
/** Largest line we read from anyone; a longer one closes the connection. */
export const INCOMING_LINE_MAX = 2 * 1024 * 1024;
/** Per-frame read timeout. The original uses 30 s; a healthy peer answers in milliseconds. */
export const READ_TIMEOUT_MS = 10_000;
/** Whole-exchange deadline, so a tarpitting peer cannot hold a slot (PROTOCOL-V1.md W15). */
export const EXCHANGE_DEADLINE_MS = 60_000;
/** TCP connect timeout (the original has none). */
export const CONNECT_TIMEOUT_MS = 5_000;
/** Concurrent outgoing exchanges; peers are dialled in parallel, not one after another (W15). */
export const MAX_PARALLEL_DIALS = 8;
/** Concurrent authenticated inbound connections (exchanges and sessions); strangers in their handshake have their own budget below (W15). */
export const MAX_INBOUND_CONNECTIONS = 64;
/** Peers dialled per circle per round, as the original (top 5). */
export const DIALS_PER_ROUND = 5;
/** Default gossip interval in seconds (PROTOCOL-V1.md §3.7). */
export const DEFAULT_INTERVAL_S = 5;

/** Messages dated further than this into the future are clamped for ordering/pruning (W14). */
export const MAX_FUTURE_SKEW_S = 300;
/** A chat message stored this long after its own time, behind a later one of its channel, is marked "arrived later" (an offline member's backlog; live delivery takes well under a second, a gossip round seconds). */
export const LATE_AFTER_S = 90;
/** v2 messages dated before 2026-01-01 UTC are refused: felund v2 did not exist then, so no real message is older, on any node or path (a member cannot date one to 1970). */
export const V2_CREATED_TS_MIN = 1_767_225_600;
/** What a v1 peer keeps (PROTOCOL-V1.md §4.5): 30 days and the newest 1,000 per circle. */
export const V1_RETENTION_S = 30 * 24 * 3600;
export const V1_MAX_PER_CIRCLE = 1000;

/** Message text. Larger texts could never be sent to a v1 peer in one frame. */
export const MAX_TEXT_BYTES = 8192;
/** A reaction's emoji (docs/PROTOCOL.md §18): one emoji with its modifiers and joiners fits easily; more is not a reaction. */
export const REACTION_MAX_BYTES = 32;
/** Display names are cut to 40 characters when applied (PROTOCOL-V1.md §1.3); longer on the wire is rejected. */
export const DISPLAY_NAME_MAX = 40;
export const DISPLAY_NAME_WIRE_MAX = 256;
export const CIRCLE_NAME_MAX = 40;
export const CHANNEL_ID_MAX = 32;
/** node ids: Python 24 hex, web 32 hex; the relay allows 8-128. */
export const NODE_ID_MIN = 8;
export const NODE_ID_MAX = 128;

/** Items accepted in one PEERS frame; the rest are ignored (W3). */
export const PEERS_FRAME_MAX = 200;
/** Peers we send in one PEERS frame. */
export const PEERS_SEND_MAX = 50;
/** ids accepted in one MSGS_HAVE / MSGS_REQ. */
export const IDS_FRAME_MAX = 50_000;
/** Messages accepted in one MSGS_SEND. */
export const MSGS_FRAME_MAX = 10_000;
/** Messages we ask a v1 peer for per exchange; adapted per peer between these (PROTOCOL-V1.md §3.8). */
export const V1_REQ_START = 40;
export const V1_REQ_MIN = 1;
export const V1_REQ_MAX = 400;

/** Peers learned only through gossip and never reached are forgotten after this (W3). */
export const PEER_EXPIRE_S = 24 * 3600;
/** A peer's last-seen / last-ok time is written again only when this much older (each write is a commit and an fsync; peers dial every few seconds). */
export const PEER_SEEN_WRITE_S = 30;
/** A gossip-only peer with this many consecutive failures is dropped. */
export const PEER_MAX_FAILURES = 10;
/**
 * A member heard from this recently by a path without a live session (a v1 exchange, a relay
 * pull) counts as online ("recent" in the member list, src/peer/member-list.ts). Well above
 * the gossip interval and the relay's 30 s presence refresh, well below "minutes after they left".
 */
export const MEMBER_RECENT_S = 120;
/** A v1 exchange that completed this recently counts as a live path to its circle (the offline banner, src/node/reach.ts):
 * v1 has no lasting connection, and a few missed gossip rounds (5 s each by default) mean the peer is gone. */
export const REACH_FRESH_S = 60;

// ---- felund v2 (docs/PROTOCOL.md) ----

/** v2 protocol version offered in HELLO; a peer offering only other versions gets v1 or nothing. */
export const V2_VERSION = 1;
/** Largest v2 session frame (binary, before base64): one frame carries at most a batch of messages. */
export const V2_FRAME_MAX = 512 * 1024;
/** Largest v2 line (base64 of a frame + "\n"); the shell closes a connection that sends more. */
export const V2_LINE_MAX = 4 * Math.ceil((V2_FRAME_MAX + 16) / 3) + 1;
/** Bytes of messages packed into one MSGS frame; leaves room for the frame header. */
export const V2_MSGS_FRAME_BUDGET = 384 * 1024;
/** Largest encoded signed v2 message: 8 KiB text + sealing + names + signature, or an attachment (§20). */
export const V2_MESSAGE_MAX = 24 * 1024;
/** Any length-prefixed field in a v2 structure; a larger declared length is rejected before allocation. */
export const V2_FIELD_MAX = 64 * 1024;
/** Items in one list of a v2 structure (ids in WANT, seals in REKEY, ranges in RECON). */
export const V2_LIST_MAX = 4096;
/** Members sealed to in one REKEY / invite-channel key rotation: small private groups. */
export const V2_MAX_MEMBERS = 1024;
/** Messages requested in one WANT frame; more are asked for in the next. */
export const V2_WANT_MAX = 1024;
/**
 * What a reconciliation answer puts in the outgoing queue at once; the rest of what the peer
 * lacks follows as the connection drains. A new member's whole history (35 MB at 100,000
 * messages) would otherwise sit in one queue, past OUT_QUEUE_MAX_BYTES for a large circle.
 */
export const V2_GIVE_STEP_BYTES = 2 * 1024 * 1024;
/** Ids taken from that backlog at a time: small slices, so the V2_GIVE_STEP_BYTES check is fine-grained. */
export const V2_GIVE_SLICE = 32;
/** Reconciliation: a range with at most this many items is sent as an id list, not split. */
export const V2_RECON_LEAF = 16;
/** Reconciliation: a mismatching range is split into this many sub-ranges (fingerprint each). */
export const V2_RECON_BRANCH = 16;
/** Ranges in one RECON frame (a bound on the work a peer can ask for per frame). */
export const V2_RECON_RANGES_MAX = 2048;
/** Reconciliation rounds per session before the peer is treated as misbehaving. */
export const V2_RECON_ROUNDS_MAX = 64;
/** Envelope plaintext sizes are padded up to one of these buckets (hides exact lengths from relays). */
export const V2_PAD_BUCKETS: readonly number[] = [256, 512, 1024, 2048, 4096, 8192, 16384];
/** scrypt cost (log2 N) for key channels: 14 is ~0.1 s in JS, 20 is ~10 s; r=8, p=1. */
export const V2_SCRYPT_LOGN_MIN = 14;
export const V2_SCRYPT_LOGN_MAX = 20;
export const V2_SCRYPT_LOGN_DEFAULT = 15;
/** felund2. invite codes: longest code accepted (a QR-friendly size; real ones are ~300 chars). */
export const V2_INVITE_CODE_MAX = 2048;
/** Longest invite lifetime the owner may sign (also the default when none is given: 7 days). */
export const V2_INVITE_TTL_MAX_S = 365 * 24 * 3600;
export const V2_INVITE_TTL_DEFAULT_S = 7 * 24 * 3600;
/** Shortest invite lifetime a user may ask for (CLI and local API): a code must live long enough to be passed on. */
export const V2_INVITE_TTL_MIN_S = 60;
/** Largest use limit a user may give an invite (CLI and local API); none at all means no limit. */
export const V2_INVITE_USES_MAX = 1_000_000;
/** Channel passphrases: at least a few characters, at most a sentence. */
export const V2_PASSPHRASE_MIN = 4;
export const V2_PASSPHRASE_MAX = 256;
/** Call session ids (opaque, e.g. 16 random bytes hex). */
export const V2_CALL_ID_MAX = 64;
/** Handshake must finish within this many frames (HELLO, HS, AUTH, maybe ADMIT); anything else is an attack. */
export const V2_HANDSHAKE_FRAMES_MAX = 4;
/**
 * felund2 admission through a relay's /v1/signal (docs/PROTOCOL.md §10.1): a join takes one
 * round trip of the handshake plus ADMIT, so a session that has not finished in 60 s is dead
 * (the relay keeps a signal 120 s at most); an issuer runs at most 32 at once and starts at
 * most 8 per poll (a flood of HELLOs costs it one X25519 + one signature each, bounded); a
 * joiner sends 2 lines and an issuer 3, so more than V2_HANDSHAKE_FRAMES_MAX lines in one
 * session is an attack. Issuers poll every 1 s while they have live invites (every 200 ms
 * while a join is half done), joiners every 250 ms.
 */
export const V2_RELAY_ADMISSION_S = 60;
export const V2_RELAY_ADMISSION_SESSIONS_MAX = 32;
export const V2_RELAY_ADMISSION_NEW_PER_POLL = 8;
export const V2_RELAY_ADMISSION_LINES_MAX = V2_HANDSHAKE_FRAMES_MAX;
export const V2_RELAY_ADMISSION_POLL_MS = 1000;
export const V2_RELAY_ADMISSION_BUSY_POLL_MS = 200;
export const V2_RELAY_ADMISSION_JOIN_POLL_MS = 250;
/** Pages of signals read per issuer poll (200 each); the rest waits for the next poll. */
export const V2_RELAY_ADMISSION_PAGES_MAX = 5;
/** v2 envelopes of a newer epoch than a peer holds, kept per circle until its REKEY arrives (src/sync/ahead.ts). */
export const V2_RELAY_AHEAD_MAX = 500;

// ---- relay (rendezvous, store-and-forward, WebSocket push, call signalling; PROTOCOL-V1.md §6) ----

/** circle_hint and node ids on the relay: 8-128 bytes, as the PHP relay (PROTOCOL-V1.md §6.2). */
export const RELAY_ID_MIN = 8;
export const RELAY_ID_MAX = 128;
/** msg_id on the relay: 8-64 bytes, as both original relays. */
export const RELAY_MSG_ID_MIN = 8;
export const RELAY_MSG_ID_MAX = 64;
/** Envelopes per POST /v1/messages: both originals refuse more than 50 (clients send 50). */
export const RELAY_BATCH_MAX = 50;
/** One stored envelope (its JSON): an 8 KiB text, \u-escaped by Python and base64'd, fits with room. */
export const RELAY_ENVELOPE_MAX_BYTES = 64 * 1024;
/** Request body: a full batch of maximum-size envelopes; anything larger is refused with 413 unread. */
export const RELAY_BODY_MAX_BYTES = RELAY_BATCH_MAX * RELAY_ENVELOPE_MAX_BYTES + 64 * 1024;
/** Legacy `text` field of an envelope: the PHP relay's bound (PROTOCOL-V1.md §6.2). */
export const RELAY_TEXT_MAX_BYTES = 4096;
/** Largest created_ts stored: beyond it the value stops being an exact SQLite integer. */
export const RELAY_CREATED_TS_MAX = Number.MAX_SAFE_INTEGER;
/** Presence ttl_s: PHP refuses values outside 30-600 and defaults to 120 (PROTOCOL-V1.md §6.2). */
export const RELAY_TTL_MIN_S = 30;
export const RELAY_TTL_MAX_S = 600;
export const RELAY_TTL_DEFAULT_S = 120;
/** Endpoints per presence record and the host length, as PHP. */
export const RELAY_ENDPOINTS_MAX = 16;
export const RELAY_HOST_MAX = 255;
/** GET /v1/peers limit: default 50, clamped to 1-200 (PHP). */
export const RELAY_PEERS_DEFAULT = 50;
export const RELAY_PEERS_MAX = 200;
/** GET /v1/messages limit: default 200, clamped to 1-500 (PHP). */
export const RELAY_PAGE_DEFAULT = 200;
export const RELAY_PAGE_MAX = 500;
/**
 * A since-paged response may grow past `limit` to end on a whole second, so that an original
 * client's next `since` never skips rows (W8); never past this. With the default per-circle
 * rate limit a circle stores at most ~1,200 envelopes in any 2 s, so this is never reached.
 */
export const RELAY_SINCE_PAGE_MAX = 2000;
/** How long the relay keeps envelopes: 30 days, as both originals. */
export const RELAY_RETENTION_S = 30 * 24 * 3600;
/** Expired presence, envelopes and signals are deleted this often (relay_ws.py: 60 s). */
export const RELAY_PRUNE_INTERVAL_MS = 60_000;
/** Rows deleted per prune statement, so a large prune never holds the write lock for long. */
export const RELAY_PRUNE_CHUNK = 5000;
/** WebSocket backlog on connect: envelopes of the last 120 s, at most 200 (relay_ws.py). */
export const RELAY_WS_BACKLOG_S = 120;
export const RELAY_WS_BACKLOG_MAX = 200;
/** Client frames are only PONGs; anything bigger closes the socket. */
export const RELAY_WS_FRAME_IN_MAX = 4096;
/** Idle WebSocket timeout; Bun pings before it, like relay_ws.py's 15 s heartbeat. */
export const RELAY_WS_IDLE_S = 60;
/** Open WebSockets per client address and in total: a browser opens one per circle. */
export const RELAY_WS_MAX_PER_IP = 64;
export const RELAY_WS_MAX_TOTAL = 20_000;
/** Bytes of stored envelopes kept in memory to serve pages without re-reading them. */
export const RELAY_CACHE_BYTES = 32 * 1024 * 1024;
/** Full pages (seq lists, ~2 KB each) remembered: every reloading web client re-reads since=0. */
export const RELAY_PAGE_MEMO_MAX = 4096;
/** Requests per client address (token bucket): a browser with ten circles polls ~5/s. */
export const RELAY_RATE_IP_PER_S = 50;
export const RELAY_RATE_IP_BURST = 500;
/** Envelopes newly stored per circle_hint: a 5,000-message history uploads in under a minute. */
export const RELAY_RATE_HINT_PER_S = 100;
export const RELAY_RATE_HINT_BURST = 1000;
/** Signalling: 20 POSTs per 10 s per from_node_id (relay_ws.py), and per address (W10). */
export const RELAY_RATE_SIGNAL_NODE_PER_S = 2;
export const RELAY_RATE_SIGNAL_NODE_BURST = 20;
export const RELAY_RATE_SIGNAL_IP_PER_S = 6;
export const RELAY_RATE_SIGNAL_IP_BURST = 60;
/** Token buckets kept in memory; past it, full (idle) buckets are swept first. */
export const RELAY_RATE_KEYS_MAX = 100_000;
/** Signed relay requests (the newer PHP relay, felund-core-newer b1): a timestamp further than this from the server's clock is refused, and a nonce is remembered this long. */
export const RELAY_SIG_WINDOW_S = 300;
/** X-Felund-Nonce: the relay stores each one it accepts, so it bounds their length (clients send 32 hex). */
export const RELAY_NONCE_MAX = 128;
/** Signalling (relay_ws.py): session ids 8-256 chars, payload <= 64 KiB, GET returns <= 200. */
export const RELAY_SIGNAL_SESSION_MIN = 8;
export const RELAY_SIGNAL_SESSION_MAX = 256;
export const RELAY_SIGNAL_PAYLOAD_MAX = 65536;
export const RELAY_SIGNAL_PAGE_MAX = 200;
/** Signal ttl: candidates live 10-60 s, other types 10-120 s; the default is the maximum. */
export const RELAY_SIGNAL_TTL_MIN_S = 10;
export const RELAY_SIGNAL_TTL_CANDIDATE_MAX_S = 60;
export const RELAY_SIGNAL_TTL_MAX_S = 120;

// ---- calls (docs/PROTOCOL.md §15; PROTOCOL-V1.md §5.5, §7.6) ----

/** A call is a full WebRTC mesh: each participant sends its audio to every other one, so upload grows with n - 1. Six is what a home uplink carries; a seventh is refused. */
export const CALL_MAX_PARTICIPANTS = 6;
/** Receive-only viewers of a call besides its participants (the newer original's MAX_BROADCAST_VIEWERS): only the host sends to them, so its upload grows by one stream each. */
export const CALL_MAX_VIEWERS = 6;
/** What a signal carries (an SDP with candidates is 2-8 KiB; video adds little): well under the relay's 64 KiB payload after sealing and base64. */
export const CALL_SIGNAL_DATA_MAX = 40 * 1024;
/** A signal older than this is refused (the relay keeps offers 120 s; clocks differ): the replay guard remembers ids at least this long. */
export const CALL_SIGNAL_MAX_AGE_S = 300;
/** A participant with no working connection and no signal for this long is dropped from the mesh (it vanished). */
export const CALL_PEER_TIMEOUT_S = 20;
/** The node leaves a call on its user's behalf when the page that runs it stops saying it is alive for this long (tab closed, crash). */
export const CALL_ALIVE_TIMEOUT_S = 25;
/** Call events older than this are history, not a call in progress (a member syncing old events sees no ghost calls). */
export const CALL_EVENT_MAX_AGE_S = 12 * 3600;
/** Calls remembered per node (in memory, as the originals); the oldest go first. */
export const CALL_SESSIONS_MAX = 256;
// The browser call mesh's timers are in call-mesh-limits.ts: apart, so they load with the lazy call chunk.

// ---- local database ----

/** How long a SQLite call waits for another process's lock (a one-shot CLI command beside another, or a node starting) before giving up with one clear line. */
export const SQLITE_BUSY_TIMEOUT_MS = 8000;
/**
 * Graceful shutdown (SIGTERM / SIGINT on serve, run, relay): requests already being served get
 * this long to finish before their connections are cut; then the WAL is checkpointed.
 */
export const SHUTDOWN_DRAIN_MS = 3000;
/** The process exits by this time after the signal whatever is left (service managers wait 5-10 s before SIGKILL). */
export const SHUTDOWN_DEADLINE_MS = 4500;
/** WebSocket close code sent to every client when the server shuts down (RFC 6455 "going away"). */
export const WS_GOING_AWAY = 1001;
/** History retention a user may set, in days (0 = keep forever): up to a hundred years. */
export const RETENTION_DAYS_MAX = 36500;
/** Messages one inbox read returns (CLI and local API): 50 unless asked, at most 1,000. */
export const INBOX_PAGE_DEFAULT = 50;
export const INBOX_PAGE_MAX = 1000;
/** An unsent draft a node keeps per channel for its TUI: a paste far over the message limit is kept whole, to be cut down. */
export const DRAFT_MAX_CHARS = 65536;

// ---- request bodies (relay and local API) ----

/**
 * JSON nesting depth of an HTTP request body. JSON.stringify and the schema validators
 * recurse, so a body nested ~100,000 deep overflowed the stack (a 500 and a stack trace per
 * request). Real bodies nest 4-6 levels (an envelope's `enc` block inside `messages`).
 */
export const JSON_BODY_DEPTH_MAX = 64;

// ---- relay storage quotas: relay-quota-limits.ts ----
export * from "./relay-quota-limits.ts";
export * from "./relay-push-limits.ts"; // history push (docs/PROTOCOL.md §25)
// ---- attachments (§20): attach-limits.ts ----
export * from "./attach-limits.ts";

// ---- inbound slots and outgoing buffers (issue 12: strangers must not starve members, nor members the node's memory) ----

/** A stranger must finish its handshake (HELLO ... authenticated) this soon; a healthy peer needs a few round trips. */
export const HANDSHAKE_DEADLINE_MS = 5_000;
/** Inbound connections still in their handshake, in total: their own budget, apart from MAX_INBOUND_CONNECTIONS. */
export const MAX_PREAUTH_CONNECTIONS = 32;
/** ... and per source address: one address cannot take the whole pre-handshake budget. */
export const MAX_PREAUTH_PER_ADDRESS = 8;
/**
 * Bytes queued for one connection that its peer has not read yet. Past the pause mark the node
 * stops handling (so stops serving) that peer's requests until the queue drains below half of it;
 * past the maximum it drops the connection. The largest reply to one request (a WANT of 1,024
 * messages of 12 KiB, base64) is ~16.4 MiB, so pause + one reply stays under the maximum.
 */
export const OUT_QUEUE_PAUSE_BYTES = 4 * 1024 * 1024;
export const OUT_QUEUE_MAX_BYTES = 64 * 1024 * 1024;
/** What a paused connection's peer may send meanwhile (kept, handled after the drain): above a peer's pause mark plus a large answer, so two nodes that both paused still drain into each other. */
export const OUT_HELD_MAX_BYTES = 16 * 1024 * 1024;
/** A connection with bytes queued whose peer reads none of them for this long is dropped. */
export const OUT_STALL_MS = 60_000;
/** After we closed a connection, what is still queued may leave while the peer reads it; one that reads none of it for this long is cut. */
export const OUT_LINGER_MS = 5_000;
/**
 * Largest HTTP response body the node reads from a relay: a page of 200 maximum-size envelopes
 * (200 x 64 KiB) or of 200 signals fits. Read incrementally; a longer body is aborted unread.
 */
export const RELAY_RESPONSE_MAX_BYTES = 16 * 1024 * 1024;
/** A peer's HTTP calls to a relay (presence, push, pull, signals) give up after this long (node and browser alike). */
export const RELAY_HTTP_TIMEOUT_MS = 8_000;

// ---- the relay client of a peer (src/peer/relay): node and relay-only browser alike ----
/** Presence refresh and discovery of members' endpoints, per circle (well inside the registration's TTL; the original TUI uses 8 s). */
export const RELAY_PRESENCE_MS = 30_000;
/** How long a presence registration lives on the relay unless refreshed. */
export const RELAY_PRESENCE_TTL_S = 120;
/** Poll (pull, and push what is pending) a circle this often while its WebSocket is down (the original's 5 s). */
export const RELAY_POLL_MS = 5_000;
/** ... and this often while it is up: a safety net behind the push. */
export const RELAY_POLL_WITH_WS_MS = 60_000;
/** A circle's WebSocket that closed or could not open is tried again after this long. */
export const RELAY_WS_RETRY_MS = 5_000;
/** The relay client's scheduler looks at its circles at least this often (presence, polls, sockets due). */
export const RELAY_TICK_MS = 1_000;
/** Envelopes per POST /v1/messages (the relay's batch limit), and messages taken per push round. */
export const RELAY_PUSH_BATCH = RELAY_BATCH_MAX;
/** Envelopes asked for per GET /v1/messages page. */
export const RELAY_PULL_PAGE = 200;
/** Pages one pull reads at most; the rest follows at the next poll. */
export const RELAY_PULL_PAGES_MAX = 500;
/** A push the relay refused or did not answer is tried again after 1 s, 2 s, 4 s ... up to 30 s. */
export const RELAY_PUSH_RETRY_MS = 1_000;
export const RELAY_PUSH_RETRY_MAX_MS = 30_000;
/**
 * felund2 admission through a relay: a plaintext ERROR is unauthenticated (anyone reading
 * /v1/signal can post one), so it ends a join only if nothing verified follows within this
 * time; a real issuer answers within its busy poll (200 ms) plus the joiner's (250 ms).
 */
export const V2_RELAY_ADMISSION_ERROR_GRACE_MS = 10_000;
/** POST /v1/signal node_proof: its timestamp may differ from the relay's clock by this much (clock skew). */
export const RELAY_SIGNAL_PROOF_SKEW_S = 300;
/** Lines of felund2 admissions through a relay tried per poll (each try replays the handshake, ~5 ms); the rest waits for the next poll. */
export const V2_RELAY_ADMISSION_TRIALS_PER_POLL = 16;

// ---- call signals through a relay (src/peer/call-relay.ts: the node and the relay-only browser alike) ----
/** While this peer is in a call, it polls /v1/signal this long after its last poll ended (the relay has no push for signals). */
export const CALL_RELAY_POLL_MS = 700;
/** Pages of RELAY_SIGNAL_PAGE_MAX rows one poll reads at most; the rest follows at the next poll. */
export const CALL_RELAY_POLL_PAGES_MAX = 5;
/** Rows stored this long before the relay's answer to the first poll of a call belong to an earlier call (or page). */
export const CALL_RELAY_FLOOR_SLACK_S = 5;
/** A signal the relay refused with 429 (its per-node budget) is posted again after 0.5 s, 1 s, 2 s, 4 s, then given up. */
export const CALL_RELAY_RETRY_MS = 500;
export const CALL_RELAY_RETRY_MAX_MS = 5_000;
export const CALL_RELAY_RETRIES = 4;
/** Signals handled per second from one v2 session peer before the rest are dropped (a member flooding us). */
export const CALL_SESSION_SIGNALS_PER_S = 30;

// ---- search (src/sync/search.ts; the node's FTS5 index, the browser's scan) ----
/** Characters of a search query read; the rest is ignored (a query is a few words, not a document). */
export const SEARCH_QUERY_MAX = 256;
/** Words and phrases of one query; more are ignored (each is one more index lookup). */
export const SEARCH_TERMS_MAX = 16;
/** Results in one page; a front end asks for the next page with the last result's place. */
export const SEARCH_PAGE_MAX = 100;
/** Characters of a result's snippet around its first match (the message's own text, marked, never HTML). */
export const SEARCH_SNIPPET_CHARS = 160;

// ---- typing indicators (issue 16; ephemeral, never stored: src/sync/typing.ts) ----
/** A typing user sends at most one notice per channel this often: enough to keep it shown. */
export const TYPING_SEND_EVERY_MS = 3_000;
/** A notice shows this long unless renewed (or the author's message arrives): two missed renewals end it. */
export const TYPING_SHOW_MS = 6_000;
/** Notices accepted from one peer per window, all channels together: a flood past it is dropped. */
export const TYPING_RECV_MAX = 5;
export const TYPING_RECV_WINDOW_MS = 3_000;
/** A typing notice through a relay dated further than this from the receiver's clock is dropped (a replay, or a stale one). */
export const TYPING_RELAY_SKEW_MS = 30_000;
/** Base64 characters of a typing notice on the relay WebSocket (a notice is ~170 bytes sealed). */
export const TYPING_RELAY_BLOB_MAX = 512;
/** The relay passes on at most this many typing notices per client address and circle hint in a burst… */
export const RELAY_TYPING_BURST = 5;
/** …refilled at this rate per second; the rest are dropped (never stored anyway). */
export const RELAY_TYPING_PER_S = 1;
