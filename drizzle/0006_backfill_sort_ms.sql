-- Custom migration: rows stored before display order had milliseconds keep their place
-- (sort_ts in ms; ties by seq, the order this node stored them).
UPDATE `messages` SET `sort_ms` = `sort_ts` * 1000;
