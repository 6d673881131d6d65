CREATE TABLE `message_holders` (
	`msg_id` text NOT NULL,
	`holder` text NOT NULL,
	`circle_id` text NOT NULL,
	`held_at` integer NOT NULL,
	PRIMARY KEY(`msg_id`, `holder`)
);
--> statement-breakpoint
CREATE INDEX `message_holders_circle` ON `message_holders` (`circle_id`);