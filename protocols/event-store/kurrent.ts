import * as kurrent from "@kurrent/kurrentdb-client";
import type { NewEvent } from "./model.ts";
import type { EventStoreApi } from "./api.ts";
import { clientCalls, eventStoreApi, type ErrorClasses } from "./adapter.ts";

/** `@kurrent/kurrentdb-client` (KurrentDB 25.x, 26.x): it adds `StreamTombstonedError` to the refusals. */
export const KURRENT_ERRORS: ErrorClasses = {
  definite: [
    kurrent.WrongExpectedVersionError,
    kurrent.StreamDeletedError,
    kurrent.StreamTombstonedError,
    kurrent.MaxAppendSizeExceededError,
    kurrent.AccessDeniedError,
    kurrent.InvalidArgumentError,
  ],
  notFound: kurrent.StreamNotFoundError,
  deleted: [kurrent.StreamDeletedError, kurrent.StreamTombstonedError],
  server: [
    kurrent.UnknownError,
    kurrent.NotFoundError,
    kurrent.NotLeaderError,
    kurrent.AccessDeniedError,
    kurrent.StreamNotFoundError,
    kurrent.StreamDeletedError,
    kurrent.StreamTombstonedError,
    kurrent.WrongExpectedVersionError,
    kurrent.MaxAppendSizeExceededError,
  ],
};

/** An insecure single node (`kurrentdb://…?tls=false`); appends name the expected state `streamState`. */
export function kurrentApi(host: string, port: number, deadline = 15_000): EventStoreApi {
  const client = kurrent.KurrentDBClient.connectionString(`kurrentdb://${host}:${port}?tls=false`);
  const toEvent = (e: NewEvent) => kurrent.binaryEvent({ id: e.id, type: e.type, data: e.data, metadata: e.metadata });
  return eventStoreApi(
    clientCalls("KurrentDB", client, toEvent, (streamState, ms) => ({ streamState, deadline: ms }), deadline),
    KURRENT_ERRORS,
  );
}
