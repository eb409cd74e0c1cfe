/**
 * `dr-drill/config`, what a `dr-drill.config.ts` imports. It imports nothing at run time, so loading a config does not
 * load the harness, and the user's type checker sees only the plain types of ./types.ts, which `npm run schema` writes
 * from the one definition of a config (harness/schema/config.ts). CommonJS projects get `index.cjs` and `index.d.cts`.
 */
import type { DrillConfig } from "./types.ts";

export type {
  CustomFaultConfig,
  DrillConfig,
  EngineConfig,
  FaultExpectationConfig,
  ProcedureConfig,
  ProcedureStep,
  UserCheckConfig,
} from "./types.ts";

export function defineConfig(config: DrillConfig): DrillConfig {
  return config;
}
