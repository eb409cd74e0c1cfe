import type { DrillConfig } from "./index.js" with { "resolution-mode": "import" };

export type {
  DrillConfig,
  EngineConfig,
  ProcedureConfig,
  ProcedureStep,
  UserCheckConfig,
  FaultExpectationConfig,
  CustomFaultConfig,
} from "./index.js" with { "resolution-mode": "import" };
export declare function defineConfig(config: DrillConfig): DrillConfig;
