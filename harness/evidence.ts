import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat, writeFile } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import { join, relative } from "node:path";
import type { Validity } from "./checkers/checker.ts";
import type { Verdict } from "./expectation.ts";
import type { Initiator } from "./schema/evidence-common.ts";
import type { ArtifactFile, Evidence } from "./schema/evidence-drill.ts";

// A drill's record and its parts are defined, with their docs, in harness/schema/evidence-drill.ts.
export type { EvidenceImage, Initiator } from "./schema/evidence-common.ts";
export type { ArtifactFile, Evidence, PhaseRecord, ReplayArgs } from "./schema/evidence-drill.ts";
export { EVIDENCE_SCHEMA } from "./schema/evidence-drill.ts";

/** Who started the drill, from CI variables when present (GitHub Actions, GitLab CI, generic CI). */
export function initiatorFromEnv(env: NodeJS.ProcessEnv = process.env): Initiator {
  const base = { user: safeUser(), host: hostname() };
  if (env.GITHUB_ACTIONS === "true") {
    const runUrl =
      env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
        : undefined;
    return {
      ...base,
      ci: { provider: "github-actions", actor: env.GITHUB_ACTOR, commit: env.GITHUB_SHA, ref: env.GITHUB_REF, runUrl },
    };
  }
  if (env.GITLAB_CI === "true") {
    return {
      ...base,
      ci: {
        provider: "gitlab-ci",
        actor: env.GITLAB_USER_LOGIN,
        commit: env.CI_COMMIT_SHA,
        ref: env.CI_COMMIT_REF_NAME,
        runUrl: env.CI_PIPELINE_URL,
      },
    };
  }
  if (env.CI) return { ...base, ci: { provider: "ci" } };
  return { ...base, ci: null };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

/** sha256 and size of every file under `dir`, sorted by path: the integrity manifest of a backup artifact. */
export async function manifestOf(dir: string): Promise<ArtifactFile[]> {
  const files = (await readdir(dir, { withFileTypes: true, recursive: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
  files.sort();
  const out: ArtifactFile[] = [];
  for (const path of files) {
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    out.push({ path: relative(dir, path), bytes: (await stat(path)).size, sha256: hash.digest("hex") });
  }
  return out;
}

export function verdictOf(validities: Validity[]): Verdict {
  if (validities.includes(false)) return "fail";
  if (validities.includes("unknown")) return "unknown";
  return "pass";
}

export async function writeEvidence(dir: string, evidence: Evidence): Promise<string> {
  const path = join(dir, "evidence.json");
  await writeFile(path, JSON.stringify(evidence, null, 2) + "\n");
  return path;
}
