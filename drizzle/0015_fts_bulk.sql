-- Custom migration (issue 17): the full-text entries of a streamed fill's rows written in bulk.
-- While fts_defer.from_seq is set (inside one transaction only: NodeStore.bulkFts sets it, stores
-- a frame's messages, clears it and indexes every row from that seq on in one INSERT ... SELECT
-- before the commit), the triggers of 0009 skip the rows inserted since from_seq; rows from
-- before it are kept in step as always. No committed state ever has it set.
CREATE TABLE `fts_defer` (`id` integer PRIMARY KEY NOT NULL CHECK (`id` = 0), `from_seq` integer);
--> statement-breakpoint
INSERT INTO `fts_defer` (`id`, `from_seq`) VALUES (0, NULL);
--> statement-breakpoint
DROP TRIGGER `messages_fts_insert`;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_insert` AFTER INSERT ON `messages`
WHEN new.channel_id != '__control' AND new.text != '' AND (SELECT `from_seq` FROM `fts_defer`) IS NULL BEGIN
  INSERT INTO `messages_fts` (rowid, `text`, `scope`) VALUES (
    (MIN(MAX(new.sort_ms, 0), 4398046511103) << 21) | (new.seq & 2097151), new.text,
    'c' || lower(hex(new.circle_id)) || ' k' || lower(hex(new.channel_id)));
END;
--> statement-breakpoint
DROP TRIGGER `messages_fts_delete`;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_delete` AFTER DELETE ON `messages`
WHEN old.channel_id != '__control' AND old.text != ''
  AND NOT COALESCE(old.seq >= (SELECT `from_seq` FROM `fts_defer`), 0) BEGIN
  DELETE FROM `messages_fts` WHERE rowid = (MIN(MAX(old.sort_ms, 0), 4398046511103) << 21) | (old.seq & 2097151);
END;
--> statement-breakpoint
DROP TRIGGER `messages_fts_update`;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_update` AFTER UPDATE OF `text`, `sort_ms`, `channel_id`, `circle_id` ON `messages`
WHEN NOT COALESCE(old.seq >= (SELECT `from_seq` FROM `fts_defer`), 0) BEGIN
  DELETE FROM `messages_fts` WHERE rowid = (MIN(MAX(old.sort_ms, 0), 4398046511103) << 21) | (old.seq & 2097151)
    AND old.channel_id != '__control' AND old.text != '';
  INSERT INTO `messages_fts` (rowid, `text`, `scope`) SELECT
    (MIN(MAX(new.sort_ms, 0), 4398046511103) << 21) | (new.seq & 2097151), new.text,
    'c' || lower(hex(new.circle_id)) || ' k' || lower(hex(new.channel_id))
    WHERE new.channel_id != '__control' AND new.text != '';
END;
