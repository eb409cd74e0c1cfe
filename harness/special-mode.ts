import type { DrillClock } from "./clock.ts";

/** The steps of a backup taken inside an engine's special mode (QuestDB checkpoint, Memgraph data directory lock). */
export interface SpecialModeSteps<T> {
  /** e.g. `CHECKPOINT CREATE`, for messages. */
  enterName: string;
  leaveName: string;
  enter(): Promise<void>;
  copy(): Promise<T>;
  leave(): Promise<void>;
  /** A second try at leaving, on a fresh session, when the first one failed (a broken connection must not skip it). */
  leaveAgain?(): Promise<void>;
}

export interface SpecialModeCopy<T> {
  value: T;
  /** When `enter` returned: the recovery point of a checkpoint-like mode. */
  enteredAt: number;
  /** How long `enter` took: a mode that fixes the parts one by one fixes them somewhere inside this span. */
  enterMs: number;
  specialModeMs: number;
}

/**
 * Enters the mode, copies, and always leaves it, even when the copy fails: a node left in backup mode keeps growing
 * (QuestDB's guide, docs/engines/questdb.md: "It is very important to exit the checkpoint mode regardless of whether
 * the copy operation succeeded or failed."). A failed copy or leave throws one error that says what ran.
 */
export async function copyUnderSpecialMode<T>(
  steps: SpecialModeSteps<T>,
  clock: DrillClock,
): Promise<SpecialModeCopy<T>> {
  const started = clock.now();
  await steps.enter();
  const enteredAt = clock.now();
  let copied: { value: T } | { error: Error };
  let leaveError: Error | undefined;
  try {
    copied = { value: await steps.copy() };
  } catch (err) {
    copied = { error: err instanceof Error ? err : new Error(String(err)) };
  } finally {
    try {
      await steps.leave();
    } catch (err) {
      leaveError = err instanceof Error ? err : new Error(String(err));
      if (steps.leaveAgain)
        await steps.leaveAgain().then(
          () => (leaveError = undefined),
          () => undefined,
        );
    }
  }
  const specialModeMs = clock.now() - started;
  if ("error" in copied || leaveError) {
    const parts = [
      "error" in copied ? `copy failed: ${copied.error.message}` : "copy done",
      leaveError ? `${steps.leaveName} FAILED: ${leaveError.message}` : `${steps.leaveName} ran`,
    ];
    throw new Error(parts.join("; "));
  }
  return { value: copied.value, enteredAt, enterMs: enteredAt - started, specialModeMs };
}
