import type { CheckResult } from "../checkers/checker.ts";
import type { BackupArtifact, DrillRuntime, Engine, EngineNode, RestoreHooks, RestoreResult } from "../engine.ts";
import { manifestOf, type ArtifactFile } from "../evidence.ts";
import type { DrillFault } from "../faults.ts";

/** The restore steps every fault adds, in the order the faults were given. */
export function restoreHooksOf<Node, Artifact extends BackupArtifact>(
  faults: DrillFault<Node, Artifact>[],
): RestoreHooks {
  const hooks = faults.flatMap((f) => (f.restoreHooks ? [f.restoreHooks] : []));
  return {
    afterCopyIn: async (volume) => {
      for (const h of hooks) await h.afterCopyIn?.(volume);
    },
    ...(hooks.some((h) => h.beforeRetry)
      ? {
          beforeRetry: async (volume, failed) => {
            for (const h of hooks) {
              const done = await h.beforeRetry?.(volume, failed);
              if (done) return done;
            }
            return undefined;
          },
        }
      : {}),
  };
}

/** The `restore` check: did a node come up, and did the restore tool finish without errors? */
export function restoreCheck<Node>(restored: RestoreResult<Node>): CheckResult {
  const last = restored.attempts.at(-1);
  return {
    name: "restore",
    valid: restored.node !== undefined && restored.toolErrors.length === 0,
    summary: restored.node
      ? restored.toolErrors.length
        ? `engine came up but the restore reported errors: ${restored.toolErrors[0]}`
        : `engine came up after ${restored.attempts.length} attempt(s)`
      : `engine did not come up: ${last?.summary ?? "no attempt made"}`,
    details: { attempts: restored.attempts.length },
  };
}

/**
 * Restores, and when the scenario expects a refusal, proves that the refused restore left the backup as it was: a
 * refusal that damages the only copy is not "loses nothing".
 */
export async function restoreArtifact<
  Payload,
  Node extends EngineNode<Payload>,
  Artifact extends BackupArtifact,
>(opts: {
  target: Engine<Payload, Node, Artifact>;
  artifact: Artifact;
  rt: DrillRuntime;
  hooks: RestoreHooks;
  proveUntouched: boolean;
}): Promise<{ restored: RestoreResult<Node>; checks: CheckResult[] }> {
  const before = opts.proveUntouched ? await manifestOf(opts.artifact.dir) : [];
  const restored = await opts.target.restore(opts.artifact, opts.rt, opts.hooks);
  const checks = [restoreCheck(restored)];
  if (opts.proveUntouched) checks.push(untouched(before, await manifestOf(opts.artifact.dir)));
  return { restored, checks };
}

function untouched(before: ArtifactFile[], after: ArtifactFile[]): CheckResult {
  const key = (f: ArtifactFile) => `${f.path}\t${f.sha256}`;
  const was = new Set(before.map(key));
  const changed = after.filter((f) => !was.has(key(f))).map((f) => f.path);
  const same = changed.length === 0 && before.length === after.length;
  return {
    name: "artifact-untouched",
    valid: same,
    summary: same
      ? `the backup is unchanged after the restore (sha256 of ${after.length} files)`
      : `the restore changed the backup: ${changed.slice(0, 5).join(", ") || `${before.length} files before, ${after.length} after`}`,
  };
}
