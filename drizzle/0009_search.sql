-- Custom migration (drizzle-kit cannot express FTS5): the full-text index of message texts.
-- Contentless (the texts stay in `messages` only) and contentless_delete, so a row leaves the
-- index by its rowid. Only what a user can read is indexed: chat rows, never __control events,
-- and never a sealed row before it opens (text ''). The triggers keep it in step with every
-- insert, delete (retention, removing a circle) and text change (a sealed backlog opening).
-- rowid = sort_ms (clamped to 0 .. 2^42) * 2^21 + (seq mod 2^21): newest first is rowid
-- order, which FTS5 walks lazily. scope holds the circle and channel as hex tokens.
CREATE VIRTUAL TABLE `messages_fts` USING fts5(`text`, `scope`, content='', contentless_delete=1, prefix='2 3', tokenize='unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `messages_fts_insert` AFTER INSERT ON `messages`
WHEN new.channel_id != '__control' AND new.text != '' BEGIN
  INSERT INTO `messages_fts` (rowid, `text`, `scope`) VALUES (
    (MIN(MAX(new.sort_ms, 0), 4398046511103) << 21) | (new.seq & 2097151), new.text,
    'c' || lower(hex(new.circle_id)) || ' k' || lower(hex(new.channel_id)));
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_delete` AFTER DELETE ON `messages`
WHEN old.channel_id != '__control' AND old.text != '' BEGIN
  DELETE FROM `messages_fts` WHERE rowid = (MIN(MAX(old.sort_ms, 0), 4398046511103) << 21) | (old.seq & 2097151);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_update` AFTER UPDATE OF `text`, `sort_ms`, `channel_id`, `circle_id` ON `messages` BEGIN
  DELETE FROM `messages_fts` WHERE rowid = (MIN(MAX(old.sort_ms, 0), 4398046511103) << 21) | (old.seq & 2097151)
    AND old.channel_id != '__control' AND old.text != '';
  INSERT INTO `messages_fts` (rowid, `text`, `scope`) SELECT
    (MIN(MAX(new.sort_ms, 0), 4398046511103) << 21) | (new.seq & 2097151), new.text,
    'c' || lower(hex(new.circle_id)) || ' k' || lower(hex(new.channel_id))
    WHERE new.channel_id != '__control' AND new.text != '';
END;
--> statement-breakpoint
INSERT INTO `messages_fts` (rowid, `text`, `scope`) SELECT
  (MIN(MAX(sort_ms, 0), 4398046511103) << 21) | (seq & 2097151), text,
  'c' || lower(hex(circle_id)) || ' k' || lower(hex(channel_id))
  FROM `messages` WHERE channel_id != '__control' AND text != '';
