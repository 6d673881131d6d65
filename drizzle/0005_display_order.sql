DROP INDEX `messages_circle_order`;--> statement-breakpoint
DROP INDEX `messages_channel_order`;--> statement-breakpoint
ALTER TABLE `messages` ADD `sort_ms` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `late` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `created_ms` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `author_seq` integer;--> statement-breakpoint
CREATE INDEX `messages_circle_display` ON `messages` (`circle_id`,`sort_ms`,`seq`);--> statement-breakpoint
CREATE INDEX `messages_channel_display` ON `messages` (`circle_id`,`channel_id`,`sort_ms`,`seq`);--> statement-breakpoint
CREATE INDEX `messages_author_seq` ON `messages` (`circle_id`,`author_node_id`,`author_seq`);