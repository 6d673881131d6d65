CREATE TABLE `relay_nonces` (
	`nonce` text PRIMARY KEY NOT NULL,
	`ts` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `relay_nonces_ts` ON `relay_nonces` (`ts`);--> statement-breakpoint
ALTER TABLE `relay_presence` ADD `signing_key` text DEFAULT '' NOT NULL;