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
  /** Your image for this engine (as `--image engine=REF`), checked against what dr-drill relies on before the drill. */
  image?: string;
}
