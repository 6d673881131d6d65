CREATE TABLE "relay_blobs" (
	"circle_hint" text NOT NULL,
	"chunk_id" text NOT NULL,
	"data" "bytea" NOT NULL,
	"size" integer NOT NULL,
	"stored_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL,
	CONSTRAINT "relay_blobs_circle_hint_chunk_id_pk" PRIMARY KEY("circle_hint","chunk_id")
);
--> statement-breakpoint
CREATE INDEX "relay_blobs_expires" ON "relay_blobs" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "relay_messages_stored" ON "relay_messages" USING btree ("stored_at");