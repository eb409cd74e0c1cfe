import type { CampaignScenario } from "../harness/campaign/scenario.ts";
import type { ImageSpec } from "../harness/runtime/images.ts";
import type { Scenario } from "../harness/scenario.ts";
import type { ProcedureConfig } from "../harness/schema/procedure.ts";
import type { VerifyScenario } from "../harness/verify/scenario.ts";

/**
 * An engine as the command line knows it before loading it: its versions and images (from its light `versions.ts`),
 * and `load()`, which imports its scenarios with its drivers only when a drill runs. `--help`, `list` and usage errors
 * so never load a driver. Each engine folder exports its own in `entry.ts`.
 */
export interface EngineModule {
  name: string;
  versions: string[];
  defaultVersion: string;
  /** The scenario `run` drills when none is named; `load` (the backup under writes) unless the entry says otherwise. */
  defaultScenario?: string;
  imageSpec(version: string): ImageSpec;
  /** Versions or procedures of the vendor's guide this engine does not drill, and why: `dr-drill list` prints them. */
  notDrilled?: string[];
  load(): Promise<LoadedEngine>;
  /** `dr-drill campaign`: random faults on copies of one backup, for engines that offer it (loaded with the drivers). */
  campaign?: () => Promise<CampaignScenario>;
  /** The scenarios that drill a procedure of the config (harness/procedure/), for engines that can run them. */
  procedures?: () => Promise<(name: string, procedure: ProcedureConfig) => Scenario[]>;
  /** `dr-drill verify`: restore and check an artifact someone brought (loaded with the drivers). */
  verify?: () => Promise<VerifyScenario>;
}

/** What `list`, the checks of `run` and the config's vocabulary need of a scenario, without loading its engine. */
export interface ScenarioSummary {
  name: string;
  description: string;
  methods: string[];
  versions: "default" | "all";
  /** It writes while the backup runs, so it needs at least one writer. */
  writesUnderLoad: boolean;
  /** What a drill of each method must show, at the engine's default version (`dr-drill list` prints it). */
  expects: Record<string, string>;
}

/** An engine's backup methods and scenarios, as `engines/catalog.json` records them. */
export interface EngineSummary {
  methods: string[];
  scenarios: ScenarioSummary[];
}

/** An engine's module, loaded with its drivers: what a drill runs. */
export interface LoadedEngine {
  methods: string[];
  scenarios: Scenario[];
}

/**
 * An entry's `load()`: imports the engine's scenarios module (a dynamic import written in the entry, so it stays
 * lazy) and picks its methods and scenarios.
 */
export function loadFrom<M>(
  scenarios: () => Promise<M>,
  pick: (module: M) => LoadedEngine,
): () => Promise<LoadedEngine> {
  return async () => pick(await scenarios());
}

/** The summary of a loaded engine: what `npm run catalog` writes and the catalog test compares. */
export function summarise(loaded: LoadedEngine, defaultVersion: string): EngineSummary {
  return {
    methods: loaded.methods,
    scenarios: loaded.scenarios.map((s) => ({
      name: s.name,
      description: s.description,
      methods: s.methods,
      versions: s.versions,
      writesUnderLoad: s.writesUnderLoad,
      expects: Object.fromEntries(
        s.methods.map((method) => [method, s.expects({ version: defaultVersion, method, restoreInto: null })]),
      ),
    })),
  };
}

/**
 * The catalog as TypeScript types the imported JSON (`versions` any string, `expects` with keys of other scenarios as
 * undefined): checked into summaries, so a hand-edited file fails loudly.
 */
type CatalogJson = Record<
  string,
  {
    methods: string[];
    scenarios: {
      name: string;
      description: string;
      methods: string[];
      versions: string;
      writesUnderLoad: boolean;
      expects: Record<string, string | undefined>;
    }[];
  }
>;

export function catalogOf(json: CatalogJson): Record<string, EngineSummary> {
  const summary = (engine: string, s: CatalogJson[string]["scenarios"][number]): ScenarioSummary => {
    if (s.versions !== "default" && s.versions !== "all")
      throw new Error(
        `engines/catalog.json: ${engine} ${s.name} has versions "${s.versions}" (default or all): run npm run catalog`,
      );
    const expects = Object.entries(s.expects).filter((kv): kv is [string, string] => kv[1] !== undefined);
    return { ...s, versions: s.versions, expects: Object.fromEntries(expects) };
  };
  return Object.fromEntries(
    Object.entries(json).map(([engine, e]) => [
      engine,
      { methods: e.methods, scenarios: e.scenarios.map((s) => summary(engine, s)) },
    ]),
  );
}
