// The types of a dr-drill.config.ts, written by `npm run schema` from harness/schema/config.ts: edit that, not this.

export interface DrillConfig {
  /** Where reports go (default `reports`). */
  reports?: string;
  /** Where engine images come from: official, offline (built locally) or auto. */
  images?: "official" | "offline" | "auto";
  /** Rows to load per drill (default 100,000): at least 1, a drill of no data proves nothing. */
  rows?: number;
  writers?: number;
  seed?: number;
  /** After a restore that passed every check, also run the engine's own verifier and reads through its indexes (`--deep-verify`): damage they find fails the drill. */
  deepVerify?: boolean;
  targets?: {
    rto?: string;
    rpo?: string;
  };
  /** How long the reports are to be kept, stated in each (a duration, e.g. "400d"; default 365 days). */
  retention?: string;
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
  /** Your own backup procedures, by name: `--method <name>` drills one like a built-in method. */
  procedures?: Record<string, ProcedureConfig>;
  /** Your own checks, by name: queries run on every restored node of this engine, each a check user:<name>. */
  checks?: Record<string, UserCheckConfig>;
  /** Your image for this engine (as `--image engine=REF`), checked against what dr-drill relies on before the drill. */
  image?: string;
}

/** Your own backup procedure: `dr-drill run --engine E --method <name>` drills it like a built-in method. */
export interface ProcedureConfig {
  description?: string;
  promises: "point-in-time" | "prefix-per-stream" | "none";
  mode: "online" | "offline";
  image?: string;
  serverArgs?: string[];
  backup: ProcedureStep[];
  restore: {
    beforeStart?: ProcedureStep[];
    afterStart?: ProcedureStep[];
  };
  /** What each generic fault must show; a fault not listed is not offered. */
  faults?: {
    "older-backup"?: FaultExpectationConfig;
    "truncate-largest"?: FaultExpectationConfig;
    "flip-byte-largest"?: FaultExpectationConfig;
  };
  customFaults?: Record<string, CustomFaultConfig>;
}

/** One step of a procedure: a shell script run with `sh -c` in a short-lived container that shares the node's network, with the artifact directory at /dr-drill/artifact and the node's connection variables in its environment. */
export interface ProcedureStep {
  name?: string;
  run: string;
  image?: string;
  data?: "none" | "read-only" | "read-write";
  user?: string;
  timeout?: string;
  env?: Record<string, string>;
}

/** What a drill must show for a fault: checks that fail for a reason (detects), or the restore refusing. */
export type FaultExpectationConfig =
  | {
      detects: {
        check: string;
        reason?: string;
      }[];
    }
  | {
      refuses: string;
    };

/** A fault of your own on the artifact: delete, flip a byte of, or truncate the files `path` matches. */
export interface CustomFaultConfig {
  description?: string;
  action: "delete" | "flip-byte" | "truncate";
  path: string;
  expect: FaultExpectationConfig;
}

/** A query of your own on the restored node (a check user:<name>), and what its result must be. */
export interface UserCheckConfig {
  description?: string;
  query: string;
  expect:
    | "zero-rows"
    | "equals-source"
    | {
        value: string;
      };
}
