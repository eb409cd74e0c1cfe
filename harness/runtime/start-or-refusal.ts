import type { RestoreAttempt } from "../engine.ts";
import { exitOrRethrow, type ContainerExitedError } from "./wait-for-probe.ts";

/** A restore attempt the engine refused by exiting: always with its exit code and the last lines it logged. */
export type Refusal = RestoreAttempt & { ok: false; exitCode: number; logTail: string };

/** How an engine says why it exited, from its exit code and log (its own words where it logged a cause). */
export type RefusalWords = (exit: ContainerExitedError) => string;

/**
 * The one decision on a failed start of a restored node, for every engine: the engine exited (ContainerExitedError,
 * however deep a library wrapped it) → its refusal, a failed attempt with its exit code and log tail. Anything else
 * (a Docker error, a readiness probe that timed out while the engine still runs, a deadline or a bug of ours) is
 * thrown as it is, so the drill is undecided instead of crediting the engine with a refusal it never made.
 */
export function refusalOf(err: unknown, words: RefusalWords, startedAt: number, observed?: string[]): Refusal {
  const exit = exitOrRethrow(err);
  return {
    ok: false,
    summary: words(exit),
    exitCode: exit.exitCode,
    logTail: exit.logTail,
    durationMs: Date.now() - startedAt,
    ...(observed ? { observed } : {}),
  };
}

/** Starts a restored node: the started handle, or the engine's refusal (`refusalOf`); any other failure is thrown. */
export async function startOrRefusal<T>(
  start: () => Promise<T>,
  words: RefusalWords,
  opts: { startedAt?: number; observed?: string[] } = {},
): Promise<{ started: T } | { refused: Refusal }> {
  const startedAt = opts.startedAt ?? Date.now();
  try {
    return { started: await start() };
  } catch (err) {
    return { refused: refusalOf(err, words, startedAt, opts.observed) };
  }
}
