CREATE TABLE "relay_hints" (
	"circle_hint" text PRIMARY KEY NOT NULL,
	"last_seq" bigint DEFAULT 0 NOT NULL,
	"bytes" bigint DEFAULT 0 NOT NULL,
	"last_stored_at" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "relay_messages" (
	"circle_hint" text NOT NULL,
	"seq" bigint NOT NULL,
	"msg_id" text NOT NULL,
	"payload" text NOT NULL,
	"created_ts" bigint NOT NULL,
	"stored_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL,
	CONSTRAINT "relay_messages_circle_hint_seq_pk" PRIMARY KEY("circle_hint","seq")
);
--> statement-breakpoint
CREATE TABLE "relay_nonces" (
	"nonce" text PRIMARY KEY NOT NULL,
	"ts" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "relay_presence" (
	"circle_hint" text NOT NULL,
	"node_id" text NOT NULL,
	"endpoints" text DEFAULT '[]' NOT NULL,
	"capabilities" text DEFAULT '{}' NOT NULL,
	"observed_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL,
	"signing_key" text DEFAULT '' NOT NULL,
	CONSTRAINT "relay_presence_circle_hint_node_id_pk" PRIMARY KEY("circle_hint","node_id")
);
--> statement-breakpoint
CREATE TABLE "relay_signals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"from_node" text NOT NULL,
	"to_node" text NOT NULL,
	"circle_hint" text NOT NULL,
	"type" text NOT NULL,
	"payload" text NOT NULL,
	"created_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "relay_messages_hint_msg" ON "relay_messages" USING btree ("circle_hint","msg_id");--> statement-breakpoint
CREATE INDEX "relay_messages_hint_stored" ON "relay_messages" USING btree ("circle_hint","stored_at");--> statement-breakpoint
CREATE INDEX "relay_messages_expires" ON "relay_messages" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "relay_nonces_ts" ON "relay_nonces" USING btree ("ts");--> statement-breakpoint
CREATE INDEX "relay_presence_expires" ON "relay_presence" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "relay_signals_to" ON "relay_signals" USING btree ("to_node","id");--> statement-breakpoint
CREATE INDEX "relay_signals_expires" ON "relay_signals" USING btree ("expires_at");