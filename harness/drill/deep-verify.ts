import { DEEP_VERIFY } from "../campaign/classify.ts";
import type { CheckResult } from "../checkers/checker.ts";
import type { StateSummary } from "../checkers/equivalence.ts";
import { isEngineError } from "../engine-error.ts";
import type { BackupArtifact, DrillRuntime, Engine, EngineNode } from "../engine.ts";

/**
 * The engine's own error during the deep verification (a read it could not serve, its checker refusing the store) is
 * damage the drill's checks did not see; any other error (ours, Docker) leaves the drill undecided.
 */
export function engineFailedDeepVerify(err: unknown): CheckResult {
  if (!isEngineError(err)) throw err;
  return {
    name: DEEP_VERIFY,
    valid: false,
    summary: `the engine failed the deep verification: ${err.message.split("\n")[0]}`,
    details: { error: err.message.slice(-4000) },
  };
}

/**
 * The `deep-verify` check a restore that passed every check gets on the same node: the engine's `deepVerify` (its own
 * verifier and a second read through its keys, compared with the restored state). Every drill of a campaign runs it;
 * a scenario drill asked for it (`deepVerify`) too. An engine without a deep verifier leaves the check undecided.
 */
export function deepVerification<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  engine: Engine<Payload, Node, Artifact>,
  rt: DrillRuntime,
): (node: Node, restored: StateSummary | null) => Promise<CheckResult> {
  return async (node, restored) =>
    engine.deepVerify && restored
      ? engine.deepVerify(node, restored, rt).catch(engineFailedDeepVerify)
      : {
          name: DEEP_VERIFY,
          valid: "unknown",
          summary: `${engine.name} has no deep verifier: a restore that passed cannot be verified deeper (a campaign cannot call it harmless or MISSED)`,
        };
}
