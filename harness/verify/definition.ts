import type { BackupArtifact, Engine, EngineNode, RestoreHooks } from "../engine.ts";
import type { RunRequestContext } from "../run-context.ts";
import type { VerifyChecks } from "./checks-file.ts";
import type { DamageTargets } from "./damage.ts";
import type { Fingerprint } from "./fingerprint.ts";
import type { ResolvedArtifact } from "../artifact-source/index.ts";

/** What an artifact's files say before any engine is built: the backup method, the version that made it. */
export interface ArtifactDescription {
  method?: string;
  sourceVersion?: string;
}

/** One request to verify a brought artifact, from the command line or a test. */
export interface VerifyRequest extends Omit<RunRequestContext, "keepArtifacts"> {
  artifact: ResolvedArtifact;
  /** The target version; else the version the artifact says it came from when it is known, else the default. */
  version?: string;
  method?: string;
  versions: string[];
  defaultVersion: string;
  checks: VerifyChecks;
  rtoMs?: number;
  maxAgeMs?: number;
  compareWith?: { from: string; fingerprint: Fingerprint };
  /** The time the artifact's age is measured at (now). */
  now?: Date;
}

/** An engine's part of `verify`: how to tell its artifacts apart and describe one as its restore takes it. */
export interface VerifyDefinition<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact> {
  methods: string[];
  /** The file name the engine's restore reads when the artifact is one file (a dump); a directory is read as it is. */
  fileName?(method: string): string | undefined;
  describe(dir: string): Promise<ArtifactDescription>;
  engine(version: string, method: string): Engine<Payload, Node, Artifact>;
  /**
   * What the verify must do to the restored copy (never the artifact) to reach it: a brought base backup carries its
   * own roles and passwords, which dr-drill does not know.
   */
  access?: RestoreHooks;
  /** The artifact in `dir` as the engine's preflight and restore take it, described from its files. */
  artifact(dir: string, engine: Engine<Payload, Node, Artifact>): Promise<Artifact>;
  /** Where damages to its artifacts go (damage.ts); without it, the largest file. */
  damageTargets?: DamageTargets;
}
