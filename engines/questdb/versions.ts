import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ImageSpec } from "../../harness/runtime/images.ts";
import { knownVersion } from "../../harness/known-version.ts";

/**
 * The QuestDB versions dr-drill knows, as data: add a line to support another one. Every entry is a release that
 * Maven Central really has (`org.questdb:questdb`, checked against its maven-metadata.xml); `jarSha1` is the `.sha1`
 * Maven Central publishes next to the jar, checked when the offline image downloads it. 9.4+ needs Java 25, so the
 * offline recipe (Debian bookworm's OpenJDK 17) stops at 9.3.
 */
export interface QuestDbVersion {
  jarSha1: string;
  /** `CHECKPOINT CREATE/RELEASE` exist from 8.1.1; older servers use `SNAPSHOT PREPARE/COMPLETE`. */
  checkpointSql: "checkpoint" | "snapshot";
}

export const QUESTDB_VERSIONS: Record<string, QuestDbVersion> = {
  "8.2.0": { jarSha1: "5c205f51851ac7f498112c06c94029dfc5584f07", checkpointSql: "checkpoint" },
  "9.2.3": { jarSha1: "c0b9efdee61ceba4e0a60b4f877f2de0f6da6de1", checkpointSql: "checkpoint" },
  "9.3.4": { jarSha1: "4576dfb8e7f62a01a8e816d3bdf02ea4d39e3e7a", checkpointSql: "checkpoint" },
};

export const QUESTDB_DEFAULT_VERSION = "9.3.4";

const IMAGES_DIR = fileURLToPath(new URL("./images/", import.meta.url));

export function questdbVersion(version: string): QuestDbVersion {
  return knownVersion(QUESTDB_VERSIONS, version, "QuestDB", "engines/questdb/versions.ts");
}

/** The major version number, e.g. "9" for "9.3.4": the docs allow a restore only within one major. */
export function majorOf(version: string): string {
  return version.split(".")[0] ?? version;
}

const MAVEN_CENTRAL = process.env.DR_DRILL_MAVEN_CENTRAL ?? "https://repo1.maven.org/maven2";

/** Where jars and offline build contexts live: outside the repository, so a jar is never committed. */
function cacheDir(): string {
  return process.env.DR_DRILL_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "dr-drill");
}

function sha1Of(path: string): string {
  return createHash("sha1").update(readFileSync(path)).digest("hex");
}

/**
 * Downloads `org.questdb:questdb:<version>` from Maven Central with the host's own tools (curl, else Maven), so the
 * host's proxy and certificate authorities apply, and checks it against the pinned sha1. Synchronous because image
 * specs are plain values; it runs once per version and machine (the jar is cached).
 */
export function questdbJar(version: string): string {
  const { jarSha1 } = questdbVersion(version);
  const dir = join(cacheDir(), "maven", "org.questdb", version);
  const jar = join(dir, `questdb-${version}.jar`);
  if (existsSync(jar) && sha1Of(jar) === jarSha1) return jar;
  mkdirSync(dir, { recursive: true });
  const partial = `${jar}.partial`;
  rmSync(partial, { force: true });
  const url = `${MAVEN_CENTRAL}/org/questdb/questdb/${version}/questdb-${version}.jar`;
  const errors: string[] = [];
  try {
    execFileSync("curl", ["-fsSL", "--retry", "3", "--max-time", "600", "-o", partial, url], {
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 900_000,
    });
  } catch (err) {
    errors.push(`curl ${url}: ${(err as Error).message.split("\n")[0]}`);
    try {
      execFileSync(
        "mvn",
        ["-q", "dependency:copy", `-Dartifact=org.questdb:questdb:${version}`, `-DoutputDirectory=${dir}`],
        { stdio: ["ignore", "ignore", "pipe"], timeout: 900_000 },
      );
      renameSync(jar, partial);
    } catch (mvnErr) {
      errors.push(`mvn dependency:copy: ${(mvnErr as Error).message.split("\n")[0]}`);
    }
  }
  if (!existsSync(partial))
    throw new Error(`cannot download QuestDB ${version} from Maven Central:\n  ${errors.join("\n  ")}`);
  const got = sha1Of(partial);
  if (got !== jarSha1) {
    rmSync(partial, { force: true });
    throw new Error(
      `questdb-${version}.jar from ${MAVEN_CENTRAL} has sha1 ${got}, expected ${jarSha1} (engines/questdb/versions.ts)`,
    );
  }
  renameSync(partial, jar);
  return jar;
}

/** The offline build context of one version: this folder's images/ files plus the verified jar, in the cache. */
export function questdbBuildContext(version: string): string {
  const jar = questdbJar(version);
  const dir = join(cacheDir(), "questdb-context", version);
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir))
    if (name !== "questdb.jar" && !readdirSync(IMAGES_DIR).includes(name))
      rmSync(join(dir, name), { recursive: true, force: true });
  for (const name of readdirSync(IMAGES_DIR)) copyFileSync(join(IMAGES_DIR, name), join(dir, name));
  const target = join(dir, "questdb.jar");
  if (!existsSync(target) || sha1Of(target) !== questdbVersion(version).jarSha1) copyFileSync(jar, target);
  return dir;
}

/**
 * The official image by default; offline, the recipe in images/ built from a context holding the Maven Central jar,
 * prepared (downloaded once, copied) only when the resolver really builds the offline image.
 */
export function questdbImageSpec(version: string): ImageSpec {
  const known = questdbVersion(version);
  return {
    engine: "questdb",
    version,
    official: `questdb/questdb:${version}`,
    offline: {
      contextDir: () => questdbBuildContext(version),
      debianSuite: "bookworm",
      buildArgs: { QDB_VERSION: version, QDB_JAR_SHA1: known.jarSha1 },
    },
  };
}
