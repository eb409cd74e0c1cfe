import type {
  DrillConfig,
  EngineConfig,
  ProcedureConfig,
  ProcedureStep,
  UserCheckConfig,
  FaultExpectationConfig,
} from "./index.js" with { "resolution-mode": "import" };

export type { DrillConfig, EngineConfig, ProcedureConfig, ProcedureStep, UserCheckConfig, FaultExpectationConfig };
export declare function defineConfig(config: DrillConfig): DrillConfig;
