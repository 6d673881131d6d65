CREATE TABLE `attachment_chunks` (
	`circle_id` text NOT NULL,
	`chunk_id` text NOT NULL,
	`msg_id` text NOT NULL,
	PRIMARY KEY(`circle_id`, `chunk_id`, `msg_id`)
);
--> statement-breakpoint
CREATE INDEX `attachment_chunks_msg` ON `attachment_chunks` (`msg_id`);--> statement-breakpoint
CREATE TABLE `blobs` (
	`circle_id` text NOT NULL,
	`chunk_id` text NOT NULL,
	`data` blob NOT NULL,
	`stored_at` integer NOT NULL,
	PRIMARY KEY(`circle_id`, `chunk_id`)
);
--> statement-breakpoint
CREATE TABLE `relay_blobs` (
	`circle_hint` text NOT NULL,
	`chunk_id` text NOT NULL,
	`data` blob NOT NULL,
	`size` integer NOT NULL,
	`stored_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`circle_hint`, `chunk_id`)
);
--> statement-breakpoint
CREATE INDEX `relay_blobs_expires` ON `relay_blobs` (`expires_at`);