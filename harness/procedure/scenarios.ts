import { readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import type { CustomFaultConfig, FaultExpectationConfig, ProcedureConfig } from "../schema/procedure.ts";
import type { WorkloadPlan } from "../drill/options.ts";
import type { EngineNode } from "../engine.ts";
import type { Expectation } from "../expectation.ts";
import { deleteFile, flipBytes, olderBackupFault, truncateFile, type DrillFault } from "../faults.ts";
import { drillScenario, type Scenario } from "../scenario.ts";
import { ProcedureEngine, type ProcedureArtifact } from "./engine.ts";
import type { ProcedureHost } from "./host.ts";
import { GENERIC_FAULTS, type GenericFault } from "./scenario-names.ts";

type Fault<Node> = DrillFault<Node, ProcedureArtifact>;

/** The expectation a procedure's config states for a fault, in the judge's terms. */
export function expectationOf(config: FaultExpectationConfig): Expectation {
  return "refuses" in config
    ? { outcome: "refuses", reason: config.refuses }
    : { outcome: "detects", by: config.detects };
}

/** The artifact's files whose relative path matches, largest first (then by path). */
async function filesMatching(dir: string, path = /./): Promise<{ rel: string; size: number }[]> {
  const files: { rel: string; size: number }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const rel = relative(dir, join(entry.parentPath, entry.name));
    if (path.test(rel)) files.push({ rel, size: (await stat(join(dir, rel))).size });
  }
  return files.sort((a, b) => b.size - a.size || a.rel.localeCompare(b.rel));
}

/** The artifact's largest matching file: where a fault does the most harm. A fault that finds none cannot apply. */
async function largestFile(dir: string, path?: RegExp): Promise<string> {
  const [best] = await filesMatching(dir, path);
  if (!best || best.size === 0)
    throw new Error(`the artifact in ${dir} holds no non-empty file${path ? ` matching /${path.source}/` : ""}`);
  return best.rel;
}

/** A fault of the config's own on the files its `path` matches. */
export function customFault<Node>(name: string, config: CustomFaultConfig): Fault<Node> {
  const path = new RegExp(config.path);
  const expect = expectationOf(config.expect);
  const description =
    config.description ??
    `${config.action} ${config.action === "delete" ? "every file" : "the largest file"} matching /${config.path}/`;
  return {
    name,
    description,
    expect,
    async apply(artifact) {
      if (config.action !== "delete") {
        const rel = await largestFile(artifact.dir, path);
        if (config.action === "truncate") return truncateFile(artifact.dir, rel, 0.5);
        return flipBytes(artifact.dir, rel, Math.floor((await stat(join(artifact.dir, rel))).size / 2), 1, 0xff);
      }
      const files = await filesMatching(artifact.dir, path);
      if (files.length === 0) throw new Error(`no file of the artifact matches /${config.path}/`);
      for (const f of files) await deleteFile(artifact.dir, f.rel);
      return { fault: "delete-files", target: config.path, detail: { files: files.map((f) => f.rel) } };
    },
  };
}

function genericFault<Node>(name: GenericFault, expect: Expectation): Fault<Node> {
  if (name === "truncate-largest")
    return {
      name,
      description: "truncate the artifact's largest file to half its size",
      expect,
      apply: async (artifact) => truncateFile(artifact.dir, await largestFile(artifact.dir), 0.5),
    };
  return {
    name,
    description: "flip one byte in the middle of the artifact's largest file",
    expect,
    async apply(artifact) {
      const rel = await largestFile(artifact.dir);
      const { size } = await stat(join(artifact.dir, rel));
      return flipBytes(artifact.dir, rel, Math.floor(size / 2), 1, 0xff);
    },
  };
}

/**
 * The scenarios a procedure of the config is drilled by: `load` (under the engine's load), `clean` (no writes: the
 * restored state equals the source), `older-backup` (the wrong backup restored: writes must be reported lost, or what
 * the config says), and each generic fault the config states an expectation for.
 */
export function procedureScenarios<Payload, Node extends EngineNode<Payload>>(opts: {
  name: string;
  procedure: ProcedureConfig;
  host(version: string): ProcedureHost<Payload, Node>;
  /** The writers' plan of the engine's own drills (its `load`, its `older-backup`). */
  workload(writers: number, scenario: "load" | "older-backup"): WorkloadPlan;
}): Scenario[] {
  const { name, procedure } = opts;
  const engineFor = (version: string) => new ProcedureEngine(name, procedure, opts.host(version));
  const configured = procedure.faults ?? {};
  const methods = [name];
  const olderBackup = configured["older-backup"];
  const scenarios: Scenario[] = [
    drillScenario({
      name: "load",
      description: `procedure ${name} under load; oracle rules 1-4, the cut it promises (${procedure.promises}), the engine's invariants`,
      methods,
      workload: (writers) => opts.workload(writers, "load"),
      build: (req) => ({ engine: engineFor(req.version) }),
    }),
    drillScenario({
      name: "clean",
      description: `procedure ${name} with no writes; the restored state must equal the source exactly`,
      methods,
      build: (req) => ({ engine: engineFor(req.version) }),
    }),
    drillScenario({
      name: "older-backup",
      description: `restore an older backup of procedure ${name} instead of the new one; acknowledged writes must be reported lost`,
      methods,
      workload: (writers) => opts.workload(writers, "older-backup"),
      build: (req) => ({
        engine: engineFor(req.version),
        faults: [olderBackupFault<Node, ProcedureArtifact>()],
        ...(olderBackup ? { expect: expectationOf(olderBackup) } : {}),
      }),
    }),
  ];
  for (const fault of GENERIC_FAULTS) {
    const expect = configured[fault];
    if (!expect) continue;
    scenarios.push(
      drillScenario({
        name: fault,
        description: `${genericFault(fault, expectationOf(expect)).description}, on procedure ${name}'s backup`,
        methods,
        workload: (writers) => opts.workload(writers, "load"),
        build: (req) => ({
          engine: engineFor(req.version),
          faults: [genericFault<Node>(fault, expectationOf(expect))],
        }),
      }),
    );
  }
  for (const [fault, config] of Object.entries(procedure.customFaults ?? {})) {
    const made = customFault<Node>(fault, config);
    scenarios.push(
      drillScenario({
        name: fault,
        description: `${made.description}, on procedure ${name}'s backup`,
        methods,
        workload: (writers) => opts.workload(writers, "load"),
        build: (req) => ({ engine: engineFor(req.version), faults: [customFault<Node>(fault, config)] }),
      }),
    );
  }
  return scenarios;
}
