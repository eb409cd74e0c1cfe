import type { NewEvent } from "./model.ts";

/**
 * What dr-drill needs of an event store, behind one interface for both clients: `@eventstore/db-client` for
 * EventStoreDB (`esdb://`, `expectedRevision`) and `@kurrent/kurrentdb-client` for KurrentDB (`kurrentdb://`,
 * `streamState`). The two clients have the same shape with different names; the adapters (esdb.ts, kurrent.ts) are
 * the only places that know which.
 */
export type Expected = bigint | "no_stream" | "any";

export interface StoredEvent {
  id: string;
  streamId: string;
  revision: bigint;
  type: string;
  data: Uint8Array;
  metadata: unknown;
}

export type StreamRead = { state: "ok"; events: StoredEvent[] } | { state: "not-found" } | { state: "tombstoned" };

/**
 * How an error of a write is to be recorded (Jepsen's op model): `fail` only when the server refused the write before
 * committing anything (a wrong expected version, a deleted stream, an append too large, access denied), `info`
 * otherwise (a lost connection, a deadline, anything unknown: the write may have happened).
 */
export type WriteOutcome = "fail" | "info";

export interface EventStoreApi {
  /** `EventStoreDB` or `KurrentDB`, for messages. */
  readonly product: string;
  /** Appends atomically; returns the stream's new last revision. */
  append(stream: string, events: NewEvent[], expected: Expected): Promise<bigint>;
  setMaxCount(stream: string, maxCount: number): Promise<void>;
  /** A soft delete (the stream can be recreated) or a tombstone (never again). */
  deleteStream(stream: string, expected: Expected, tombstone: boolean): Promise<void>;
  readStream(stream: string): Promise<StreamRead>;
  /** Every event in `$all`, forwards, system events included (the caller filters). */
  readAll(): AsyncIterable<StoredEvent>;
  outcomeOf(err: unknown): WriteOutcome;
  /** Whether an error is the server's own answer (see ErrorClasses.server), as opposed to the connection's or ours. */
  fromServer(err: unknown): boolean;
  close(): Promise<void>;
}
