import pg from "pg";
import { EngineError } from "../../harness/engine-error.ts";

/**
 * The server's errors, for every engine that speaks the PostgreSQL wire (PostgreSQL, QuestDB, eXo's datasources). An
 * ErrorResponse from the server is the engine's own word, so it becomes an `EngineError`; a lost connection or a bug
 * of ours stays as it is.
 */
export function asEngineError(err: unknown): unknown {
  if (err instanceof pg.DatabaseError)
    return new EngineError(`${err.message}${err.code ? ` (SQLSTATE ${err.code})` : ""}`, err.code);
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

/**
 * Data, integrity, rollback, syntax errors and statement time-outs: the server refused before committing, so the write
 * definitely did not happen. 40003 (statement_completion_unknown) says the opposite: the commit may have happened.
 * Anything else (a lost connection, a time-out on the client side) leaves the outcome unknown too.
 */
export function isDefiniteSqlFailure(err: unknown): boolean {
  const code = err instanceof Error && "code" in err ? err.code : undefined;
  return typeof code === "string" && code !== "40003" && /^(22|23|40|42)...$|^57014$/.test(code);
}
