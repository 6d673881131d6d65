// The relay's database as its hosts open it: `felund relay` in a file of its own, `felund serve`
// on its node's open SQLite connection (one file: a home box is also a relay for its circles'
// browsers). So the CLI, which starts both, never reaches into db/ itself.
import type { Database } from "bun:sqlite";
import { type Db, drizzleOf, openDb } from "../../db/client.ts";
import { closeSqlite } from "../../db/sqlite.ts";

export type RelayDb = Db;

/** The relay's database in its own file (created and migrated on first use). */
export const openRelayDb = (path: string): RelayDb => openDb(path);

/** The relay's tables over a connection that is already open and migrated (the node's). */
export const relayDbOn = (sqlite: Database): RelayDb => drizzleOf(sqlite);

/** Close the relay's own database at shutdown, its WAL checkpointed. */
export const closeRelayDb = (db: RelayDb): void => closeSqlite(db.$client);
