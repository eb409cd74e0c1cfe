/**
 * `dr-drill/config`, what a `dr-drill.config.ts` imports. It imports nothing itself, so loading a config does not load
 * the harness, and the user's type checker sees only these types. CommonJS projects get `index.cjs` and `index.d.cts`.
 */
export interface DrillConfig {
  /** Where reports go (default `reports`). */
  reports?: string;
  /** Where engine images come from (see `ImageMode` in harness/runtime/images.ts). */
  images?: "official" | "offline" | "auto";
  /** Rows to load per drill (default 100,000): at least 1, a drill of no data proves nothing. */
  rows?: number;
  writers?: number;
  seed?: number;
  targets?: { rto?: string; rpo?: string };
  engines?: Record<string, EngineConfig>;
  signing?: {
    /** Ed25519 private key (PEM file path) to sign every report's manifest. */
    privateKey?: string;
    /** The matching public key, used by `verify-report` when `--public-key` is not given. */
    publicKey?: string;
  };
}

export interface EngineConfig {
  versions?: string[];
  methods?: string[];
  scenarios?: string[];
  restoreInto?: string;
  /**
   * Your own backup procedures, by name: `dr-drill run --engine E --method <name>` drills one like a built-in method
   * (docs/procedures.md).
   */
  procedures?: Record<string, ProcedureConfig>;
  /** Your own checks, by name: queries run on every restored node of this engine, each a check `user:<name>`. */
  checks?: Record<string, UserCheckConfig>;
}

/**
 * One step of a procedure: a shell script run with `sh -c` in a short-lived container that shares the node's network,
 * with the artifact directory at `/dr-drill/artifact` and the node's connection variables in its environment.
 */
export interface ProcedureStep {
  /** The step's name in the evidence (default: its position). */
  name?: string;
  /** The shell script (`sh -c`). */
  run: string;
  /** The image it runs in (default: the procedure's, else the engine's own image). */
  image?: string;
  /** The node's data volume at the engine's data directory: not mounted (default), read-only, or read-write. */
  data?: "none" | "read-only" | "read-write";
  /** The user it runs as (default root). */
  user?: string;
  /** Its deadline, e.g. "90s", "5m" (default 10m): a step still running then is ended and the procedure failed. */
  timeout?: string;
  /** More environment variables; those whose names say they hold a secret are redacted from every report. */
  env?: Record<string, string>;
}

/** What a drill must show for a fault: checks that fail for a reason (`detects`), or the restore refusing (`refuses`). */
export type FaultExpectationConfig = { detects: { check: string; reason?: string }[] } | { refuses: string };

export interface ProcedureConfig {
  description?: string;
  /** What the restored state is: one instant, each stream up to its own instant, or only each key on its own. */
  promises: "point-in-time" | "prefix-per-stream" | "none";
  /** What the backup does to the node: it serves throughout, or it is stopped first. */
  mode: "online" | "offline";
  /** The image its steps run in by default (default: the engine's own). */
  image?: string;
  /** Extra arguments of the source's server (e.g. PostgreSQL `-c archive_mode=on`). */
  serverArgs?: string[];
  backup: ProcedureStep[];
  restore: {
    /** On the empty data volume (read-write by default), before the restored server first starts. */
    beforeStart?: ProcedureStep[];
    /** Against the restored server once it serves. */
    afterStart?: ProcedureStep[];
  };
  /** What each generic fault (`truncate-largest`, `flip-byte-largest`) must show; a fault not listed is not offered. */
  faults?: Partial<Record<"older-backup" | "truncate-largest" | "flip-byte-largest", FaultExpectationConfig>>;
  /** Faults of your own on the artifact, by name (each a scenario of this procedure). */
  customFaults?: Record<string, CustomFaultConfig>;
}

/**
 * A fault of your own: `delete` removes every file of the artifact whose path (relative to the artifact directory)
 * matches `path`, a regular expression; `flip-byte` flips the middle byte of the largest such file; `truncate` cuts
 * it to half its size.
 */
export interface CustomFaultConfig {
  description?: string;
  action: "delete" | "flip-byte" | "truncate";
  path: string;
  expect: FaultExpectationConfig;
}

/** A query of your own on the restored node, and what its result must be. */
export interface UserCheckConfig {
  description?: string;
  query: string;
  /**
   * `zero-rows`: no row (e.g. "orders without their customer"); `equals-source`: the same rows as the source at the
   * recovery point; `{ value }`: one row of one column with this text.
   */
  expect: "zero-rows" | "equals-source" | { value: string };
}

export function defineConfig(config: DrillConfig): DrillConfig {
  return config;
}
