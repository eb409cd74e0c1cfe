import { existsSync } from "node:fs";
import { docker, dockerAnswers } from "../harness/runtime/docker.ts";
import { ENGINES } from "../engines/index.ts";

async function localImages(): Promise<string[]> {
  const images = await docker().listImages();
  return images.flatMap((i) => i.RepoTags ?? []);
}

/**
 * What can run here and why not: engines, versions (and where their image would come from), methods, scenarios.
 * Looks only; it starts and builds nothing.
 */
export async function listEngines(): Promise<number> {
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
      const recipe = spec.offline;
      const where = official
        ? `yes: official image ${spec.official} present`
        : offline
          ? `yes: offline image ${offline} built`
          : "unavailable" in recipe
            ? `only if ${spec.official} can be pulled (its drills skip otherwise): no offline image, ${recipe.unavailable}`
            : canBuildOffline
              ? `yes: ${spec.official} if it can be pulled, else an offline image is built (Debian ${recipe.debianSuite})`
              : `only if ${spec.official} can be pulled: offline images need Debian/Ubuntu with root (debootstrap)`;
      console.log(`  version ${version.padEnd(6)} ${up || canInstallDocker ? where : "no: Docker is not available"}`);
    }
    for (const note of entry.notDrilled ?? []) console.log(`  not drilled: ${note}`);
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
