import { Neo4jError } from "neo4j-driver";
import { EngineError } from "../../harness/engine-error.ts";

/**
 * What a Bolt error says about a write (Neo4j's status codes, `Neo.<Classification>.<Category>.<Title>`, which Memgraph
 * also sends): a ClientError (a constraint, a syntax or type error, a missing node) or a TransientError (a deadlock,
 * a lock time-out) means the server rolled the transaction back, so the write definitely did not happen. A
 * DatabaseError, a lost connection or a client time-out leaves the outcome unknown.
 */
export function isDefiniteBoltFailure(err: unknown): boolean {
  return (
    err instanceof Neo4jError &&
    /^Neo\.(ClientError|TransientError)\./.test(err.code) &&
    !/ServiceUnavailable|SessionExpired/.test(err.code)
  );
}

/** An error the server sent is the engine's own word (an `EngineError`); a lost connection or a bug of ours is not. */
export async function boltEngineErrors<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof Neo4jError && /^Neo\./.test(err.code))
      throw new EngineError(`${err.message} (${err.code})`, err.code);
    throw err;
  }
}
