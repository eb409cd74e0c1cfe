import type { DrillConfig, EngineConfig } from "./index.js" with { "resolution-mode": "import" };

export type { DrillConfig, EngineConfig };
export declare function defineConfig(config: DrillConfig): DrillConfig;
