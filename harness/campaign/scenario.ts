import type { WorkloadPlan } from "../drill.ts";
import type { BackupArtifact, Engine, EngineNode } from "../engine.ts";
import type { ReplayArgs } from "../evidence.ts";
import { runOptions, type RunRequestContext } from "../run-context.ts";
import type { CampaignFaultSpec } from "./random-faults.ts";
import { runCampaign, type CampaignResult } from "./run.ts";

/** One request for a campaign, from the command line or a test. */
export interface CampaignRequest extends RunRequestContext {
  version: string;
  method: string;
  rows: number;
  writers: number;
  seed?: number;
  campaignSeed?: number;
  faults: number;
  /** Replay: apply exactly these recorded faults. */
  only?: CampaignFaultSpec[];
  replay(seed: number, fault: CampaignFaultSpec): { command: string; args: ReplayArgs | null };
}

/** What an engine offers `dr-drill campaign`: its methods, and a campaign of its own types built from a request. */
export interface CampaignScenario {
  readonly methods: string[];
  run(req: CampaignRequest): Promise<CampaignResult>;
}

export function campaignScenario<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(def: {
  methods: string[];
  engine(version: string, method: string): Engine<Payload, Node, Artifact>;
  /** The writers' plan during the one backup (the backup is taken under load). */
  workload(writers: number): WorkloadPlan;
}): CampaignScenario {
  return {
    methods: def.methods,
    run: (req) =>
      runCampaign({
        engine: def.engine(req.version, req.method),
        rows: req.rows,
        ...(req.seed === undefined ? {} : { seed: req.seed }),
        ...(req.campaignSeed === undefined ? {} : { campaignSeed: req.campaignSeed }),
        faults: req.faults,
        ...(req.only ? { only: req.only } : {}),
        workload: req.writers > 0 ? def.workload(req.writers) : undefined,
        ...runOptions(req),
        replay: req.replay,
      }),
  };
}
