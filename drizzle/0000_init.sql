CREATE TABLE `anchor_records` (
	`circle_id` text NOT NULL,
	`node_id` text NOT NULL,
	`capabilities` text NOT NULL,
	`announced_at` integer NOT NULL,
	`last_seen_ts` integer NOT NULL,
	PRIMARY KEY(`circle_id`, `node_id`)
);
--> statement-breakpoint
CREATE TABLE `channel_members` (
	`circle_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`node_id` text NOT NULL,
	`state` text NOT NULL,
	PRIMARY KEY(`circle_id`, `channel_id`, `node_id`)
);
--> statement-breakpoint
CREATE TABLE `channels` (
	`circle_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`created_by` text DEFAULT '' NOT NULL,
	`created_ts` integer DEFAULT 0 NOT NULL,
	`access_mode` text DEFAULT 'public' NOT NULL,
	`key_hash` text DEFAULT '' NOT NULL,
	PRIMARY KEY(`circle_id`, `channel_id`)
);
--> statement-breakpoint
CREATE TABLE `circles` (
	`circle_id` text PRIMARY KEY NOT NULL,
	`secret_hex` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`owned` integer DEFAULT false NOT NULL,
	`bootstrap` text DEFAULT '' NOT NULL,
	`mode` text DEFAULT 'v1' NOT NULL,
	`key_epoch` integer DEFAULT 0 NOT NULL,
	`joined_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `display_names` (
	`node_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `messages` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`msg_id` text NOT NULL,
	`circle_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`author_node_id` text NOT NULL,
	`display_name` text DEFAULT '' NOT NULL,
	`created_ts` integer NOT NULL,
	`sort_ts` integer NOT NULL,
	`text` text NOT NULL,
	`mac` text,
	`author_key` text,
	`signature` text,
	`key_epoch` integer,
	`origin` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_msg_id` ON `messages` (`msg_id`);--> statement-breakpoint
CREATE INDEX `messages_circle_order` ON `messages` (`circle_id`,`sort_ts`,`msg_id`);--> statement-breakpoint
CREATE INDEX `messages_channel_order` ON `messages` (`circle_id`,`channel_id`,`sort_ts`,`msg_id`);--> statement-breakpoint
CREATE TABLE `peers` (
	`circle_id` text NOT NULL,
	`node_id` text NOT NULL,
	`addr` text DEFAULT '' NOT NULL,
	`last_seen` integer DEFAULT 0 NOT NULL,
	`last_ok` integer DEFAULT 0 NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`source` text DEFAULT 'gossip' NOT NULL,
	`proto` text DEFAULT '' NOT NULL,
	PRIMARY KEY(`circle_id`, `node_id`)
);
--> statement-breakpoint
CREATE TABLE `relay_messages` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`circle_hint` text NOT NULL,
	`msg_id` text NOT NULL,
	`payload` text NOT NULL,
	`created_ts` integer NOT NULL,
	`stored_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `relay_messages_hint_msg` ON `relay_messages` (`circle_hint`,`msg_id`);--> statement-breakpoint
CREATE INDEX `relay_messages_hint_seq` ON `relay_messages` (`circle_hint`,`seq`);--> statement-breakpoint
CREATE INDEX `relay_messages_expires` ON `relay_messages` (`expires_at`);--> statement-breakpoint
CREATE TABLE `relay_presence` (
	`circle_hint` text NOT NULL,
	`node_id` text NOT NULL,
	`endpoints` text DEFAULT '[]' NOT NULL,
	`capabilities` text DEFAULT '{}' NOT NULL,
	`observed_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`circle_hint`, `node_id`)
);
--> statement-breakpoint
CREATE INDEX `relay_presence_expires` ON `relay_presence` (`expires_at`);--> statement-breakpoint
CREATE TABLE `relay_signals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`session_id` text NOT NULL,
	`from_node` text NOT NULL,
	`to_node` text NOT NULL,
	`circle_hint` text NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `relay_signals_to` ON `relay_signals` (`to_node`,`id`);--> statement-breakpoint
CREATE INDEX `relay_signals_expires` ON `relay_signals` (`expires_at`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
