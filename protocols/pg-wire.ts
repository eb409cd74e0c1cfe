import pg from "pg";
import { EngineError } from "../harness/engine-error.ts";

/**
 * PostgreSQL-wire helpers shared by every engine that speaks it (PostgreSQL, QuestDB). An ErrorResponse from the
 * server is the engine's own word, so it becomes an `EngineError`; a lost connection or a bug of ours stays as it is.
 */
export function asEngineError(err: unknown): unknown {
  if (err instanceof pg.DatabaseError) return new EngineError(`${err.message}${err.code ? ` (SQLSTATE ${err.code})` : ""}`, err.code);
  return err;
}

/** Runs `body`, turning the server's own errors into `EngineError`s. */
export async function engineErrors<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw asEngineError(err);
  }
}
