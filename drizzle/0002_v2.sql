CREATE TABLE `v2_channel_keys` (
	`circle_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`key_version` integer NOT NULL,
	`key_hex` text NOT NULL,
	PRIMARY KEY(`circle_id`, `channel_id`, `key_version`)
);
--> statement-breakpoint
CREATE TABLE `v2_channels` (
	`circle_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`owner_key` text NOT NULL,
	`mode` text NOT NULL,
	`scrypt_log_n` integer DEFAULT 0 NOT NULL,
	`key_check` text DEFAULT '' NOT NULL,
	`created_ts` integer NOT NULL,
	`msg_id` text NOT NULL,
	PRIMARY KEY(`circle_id`, `channel_id`)
);
--> statement-breakpoint
CREATE TABLE `v2_epoch_keys` (
	`circle_id` text NOT NULL,
	`epoch` integer NOT NULL,
	`key_hex` text NOT NULL,
	`added_at` integer NOT NULL,
	PRIMARY KEY(`circle_id`, `epoch`)
);
--> statement-breakpoint
CREATE TABLE `v2_invite_admissions` (
	`invite_id` text NOT NULL,
	`node_id` text NOT NULL,
	`admitted_at` integer NOT NULL,
	PRIMARY KEY(`invite_id`, `node_id`)
);
--> statement-breakpoint
CREATE TABLE `v2_invites` (
	`invite_id` text PRIMARY KEY NOT NULL,
	`circle_id` text NOT NULL,
	`ticket_hex` text NOT NULL,
	`expires_ts` integer NOT NULL,
	`max_uses` integer DEFAULT 0 NOT NULL,
	`uses` integer DEFAULT 0 NOT NULL,
	`created_ts` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `v2_member_cards` (
	`circle_id` text NOT NULL,
	`node_id` text NOT NULL,
	`ed_key` text NOT NULL,
	`x_key` text NOT NULL,
	`display_name` text DEFAULT '' NOT NULL,
	`issued_ts` integer NOT NULL,
	`msg_id` text NOT NULL,
	PRIMARY KEY(`circle_id`, `node_id`)
);
--> statement-breakpoint
CREATE TABLE `v2_removed` (
	`circle_id` text NOT NULL,
	`node_id` text NOT NULL,
	`epoch` integer NOT NULL,
	`removed_ts` integer NOT NULL,
	PRIMARY KEY(`circle_id`, `node_id`)
);
--> statement-breakpoint
ALTER TABLE `circles` ADD `owner_key` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `v2_kind` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `v2_wire` text;