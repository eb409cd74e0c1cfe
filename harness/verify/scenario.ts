import type { BackupArtifact, EngineNode } from "../engine.ts";
import type { DamageTargets } from "./damage.ts";
import type { VerifyDefinition, VerifyRequest } from "./definition.ts";
import { verifyArtifact, type VerifyResult } from "./run.ts";

export type { VerifyRequest } from "./definition.ts";

/** What an engine offers `dr-drill verify`: its methods, and a verification of its own types built from a request. */
export interface VerifyScenario {
  readonly methods: string[];
  run(req: VerifyRequest): Promise<VerifyResult>;
  /** Where a test's damage to an artifact goes: bytes the engine reads and serves (damage.ts). */
  readonly damageTargets?: DamageTargets;
}

export function verifyScenario<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  def: VerifyDefinition<Payload, Node, Artifact>,
): VerifyScenario {
  return {
    methods: def.methods,
    run: (req) => verifyArtifact(def, req),
    ...(def.damageTargets ? { damageTargets: def.damageTargets } : {}),
  };
}
