import type { CheckResult } from "../checkers/checker.ts";
import type { EngineNode } from "../engine.ts";

/** The errors an engine logged, quoted: the first few, with how many there were. */
function quoted(errors: string[]): string {
  return `${errors.length} error(s): ${errors.slice(0, 3).join(" | ")}${errors.length > 3 ? " | …" : ""}`;
}

/**
 * A step of ours against the restored engine (its read-back, the probe write) ended in an error that is not the
 * engine's answer (a time-out of ours, a connection closed before its acknowledgement). When the engine's own log holds
 * errors, that is what happened: the step failed in the engine's words. Otherwise `err` is thrown as it is
 * (undecided), as it is when the log cannot be read.
 */
async function loggedFailure<Payload>(
  node: EngineNode<Payload>,
  err: unknown,
): Promise<{ logged: string[]; ours: string }> {
  const logged = await node.serverErrors?.().catch(() => undefined);
  if (!logged?.length) throw err;
  return { logged, ours: err instanceof Error ? err.message : String(err) };
}

/** The read-back that failed on our side while the engine logged errors: a failed `read-back` in its words. */
export async function readBackFailure<Payload>(node: EngineNode<Payload>, err: unknown): Promise<CheckResult> {
  const { logged, ours } = await loggedFailure(node, err);
  return {
    name: "read-back",
    valid: false,
    summary: `the restored engine failed while it was read; it logged ${quoted(logged)} (the read ended in: ${ours})`,
    examples: logged,
  };
}

/** The probe write that failed on our side while the engine logged errors: a failed `new-write` in its words. */
export async function newWriteFailure<Payload>(node: EngineNode<Payload>, err: unknown): Promise<CheckResult> {
  const { logged, ours } = await loggedFailure(node, err);
  return {
    name: "new-write",
    valid: false,
    summary: `the restored engine failed the new write; it logged ${quoted(logged)} (the write ended in: ${ours})`,
    examples: logged,
  };
}

/** After the read-back: the errors the restored engine logged, for an engine that names them (`serverErrors`). */
export async function serverLogCheck<Payload>(node: EngineNode<Payload>): Promise<CheckResult[]> {
  if (!node.serverErrors) return [];
  const logged = await node.serverErrors();
  return [
    logged.length
      ? { name: "server-log", valid: false, summary: `the restored engine logged ${quoted(logged)}`, examples: logged }
      : { name: "server-log", valid: true, summary: "the restored engine logged no error it names" },
  ];
}
