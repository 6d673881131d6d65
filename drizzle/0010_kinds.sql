ALTER TABLE `messages` ADD `target_id` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `deleted` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_target` ON `messages` (`target_id`);