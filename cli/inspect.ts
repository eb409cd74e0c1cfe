import { existsSync } from "node:fs";
import { docker, dockerAnswers } from "../harness/runtime/docker.ts";
import { ENGINES } from "../engines/index.ts";
import type { ImageSpec } from "../harness/runtime/images.ts";
import type { ProcedureConfig } from "../harness/schema/procedure.ts";
import { procedureScenarioNames } from "../harness/procedure/scenario-names.ts";
import { loadConfig } from "../harness/config.ts";
import { vocabulary } from "./run.ts";

async function localImages(): Promise<string[]> {
  const images = await docker().listImages();
  return images.flatMap((i) => i.RepoTags ?? []);
}

/**
 * Where a version's image would come from, said to the user: present, built, or what is missing and the one command
 * that makes it available.
 */
export function availability(
  spec: ImageSpec,
  found: { present: boolean; offline: string | undefined; canBuildOffline: boolean },
): string {
  const recipe = spec.offline;
  if (found.present) return `yes: official image ${spec.official} present`;
  if (found.offline) return `yes: offline image ${found.offline} built`;
  if ("unavailable" in recipe)
    return `needs ${spec.official}: ${getIt(spec.official)} (no offline image: ${recipe.unavailable})`;
  return found.canBuildOffline
    ? `yes: ${spec.official} if it can be pulled, else an offline image is built (Debian ${recipe.debianSuite})`
    : `needs ${spec.official}: ${getIt(spec.official)} (offline images need Debian/Ubuntu with root, for debootstrap)`;
}

/** The one command that makes an image available, and the way round a machine without a registry. */
function getIt(image: string): string {
  return `\`docker pull ${image}\`, or \`docker load -i <file>\` of a \`docker save ${image}\` made where a registry answers`;
}

/** An engine's procedures of the config, as `list` shows them: each a method of its own, with its scenarios. */
export function procedureLines(procedures: Record<string, ProcedureConfig>): string[] {
  return Object.entries(procedures).flatMap(([name, p]) => [
    `    ${name.padEnd(26)} ${p.mode}, promises ${p.promises}${p.description ? `: ${p.description}` : ""}`,
    `    ${"".padEnd(26)} scenarios: ${procedureScenarioNames(p).join(", ")}`,
  ]);
}

/**
 * What can run here and why not: engines, versions (and where their image would come from), methods, scenarios, and
 * the procedures of the config file (`--config`, else ./dr-drill.config.ts when there is one). Looks only; it starts
 * and builds nothing.
 */
export async function listEngines(configFile?: string): Promise<number> {
  const { config, file } = await loadConfig(vocabulary(), configFile);
  const canInstallDocker = process.platform === "linux" && process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
  const up = await dockerAnswers();
  const tags = up ? await localImages() : [];
  const canBuildOffline = existsSync("/usr/sbin/debootstrap") || canInstallDocker;
  console.log(
    `Docker: ${up ? "answers" : canInstallDocker ? "not running (`dr-drill setup` installs and starts it)" : "not running: start Docker, or set DOCKER_HOST"}`,
  );
  for (const entry of Object.values(ENGINES)) {
    console.log(`\n${entry.name}`);
    console.log(`  methods:   ${entry.methods.join(", ")}`);
    for (const version of entry.versions) {
      const spec = entry.imageSpec(version);
      const official = tags.includes(spec.official);
      const offline = tags.find((t) => t.startsWith(`dr-drill-offline/${entry.name}:${version}-`));
      const where = availability(spec, { present: official, offline, canBuildOffline });
      console.log(`  version ${version.padEnd(6)} ${up || canInstallDocker ? where : "no: Docker is not available"}`);
    }
    for (const note of entry.notDrilled ?? []) console.log(`  not drilled: ${note}`);
    const procedures = config.engines?.[entry.name]?.procedures;
    if (procedures) console.log(`  procedures (${file}):\n${procedureLines(procedures).join("\n")}`);
    console.log("  scenarios:");
    for (const s of entry.scenarios) {
      const expects = s.methods.map((method) => s.expects[method]);
      const said = new Set(expects).size === 1 ? expects[0] : s.methods.map((m, i) => `${m}: ${expects[i]}`).join("; ");
      console.log(
        `    ${s.name.padEnd(26)} [${s.methods.join(", ")}] ${s.description}\n    ${"".padEnd(26)} expects: ${said}${s.versions === "all" ? " (every version, unless --version)" : ""}`,
      );
    }
  }
  return 0;
}
