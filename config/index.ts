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
  /** Your image for this engine (as `--image engine=REF`), checked against what dr-drill relies on before the drill. */
  image?: string;
}

export function defineConfig(config: DrillConfig): DrillConfig {
  return config;
}
