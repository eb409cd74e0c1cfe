import type { CheckResult } from "../checkers/checker.ts";
import type { EngineNode } from "../engine.ts";

/** The errors an engine logged, quoted: the first few, with how many there were. */
function quoted(errors: string[]): string {
  return `${errors.length} error(s): ${errors.slice(0, 3).join(" | ")}${errors.length > 3 ? " | …" : ""}`;
}

/**
 * The read-back ended in an error that is not the engine's answer (a time-out of ours, a connection that never got
 * its acknowledgement). When the engine's own log holds errors, that is what happened: a failed `read-back` in the
 * engine's words. Otherwise `err` is thrown as it is (undecided), as it is when the log cannot be read.
 */
export async function readBackFailure<Payload>(node: EngineNode<Payload>, err: unknown): Promise<CheckResult> {
  const logged = await node.serverErrors?.().catch(() => undefined);
  if (!logged?.length) throw err;
  const ours = err instanceof Error ? err.message : String(err);
  return {
    name: "read-back",
    valid: false,
    summary: `the restored engine failed while it was read; it logged ${quoted(logged)} (the read ended in: ${ours})`,
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
