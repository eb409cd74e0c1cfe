import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ImageSpec } from "../../harness/runtime/images.ts";
import { knownVersion } from "../../harness/known-version.ts";

/**
 * The Neo4j versions dr-drill knows, as data. Each offline version has a lock file next to this one
 * (`jars-<version>.sha1`): every jar of `org.neo4j:neo4j:<version>` and its dependencies, in Maven's repository
 * layout, with the sha1 Maven Central publishes next to it. The offline image is built from exactly those jars.
 */
export const NEO4J_VERSIONS: Record<string, { official: string }> = {
  "5.26.28": { official: "neo4j:5.26.28-community" },
};

export const NEO4J_DEFAULT_VERSION = "5.26.28";

const HERE = fileURLToPath(new URL("./", import.meta.url));

export function neo4jVersion(version: string): { official: string } {
  return knownVersion(NEO4J_VERSIONS, version, "Neo4j", "engines/neo4j/versions.ts");
}

export interface LockedJar {
  sha1: string;
  /** Path in Maven's repository layout, e.g. `org/neo4j/neo4j-kernel/5.26.28/neo4j-kernel-5.26.28.jar`. */
  path: string;
}

/** Parses a lock file: `<sha1>  <path>` per line, as `sha1sum` writes it. */
export function parseJarLock(text: string): LockedJar[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((line, i) => {
      const m = /^([0-9a-f]{40}) {2}(\S+\.jar)$/.exec(line);
      if (!m) throw new Error(`jar lock line ${i + 1} is not "<sha1>  <path>.jar": ${JSON.stringify(line)}`);
      return { sha1: m[1]!, path: m[2]! };
    });
}

export function jarLock(version: string): LockedJar[] {
  neo4jVersion(version);
  return parseJarLock(readFileSync(join(HERE, `jars-${version}.sha1`), "utf8"));
}

const MAVEN_CENTRAL = process.env.DR_DRILL_MAVEN_CENTRAL ?? "https://repo1.maven.org/maven2";

const cacheRoot = () =>
  process.env.DR_DRILL_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "dr-drill");
const sha1 = (path: string) => createHash("sha1").update(readFileSync(path)).digest("hex");

/** Jars of the lock that are missing or differ in `dir`, as readable lines (empty when all match). */
export function lockMismatches(dir: string, lock: LockedJar[]): string[] {
  return lock.flatMap((j) => {
    const path = join(dir, j.path);
    if (!existsSync(path)) return [`${j.path}: missing`];
    const got = sha1(path);
    return got === j.sha1 ? [] : [`${j.path}: sha1 ${got}, pinned ${j.sha1}`];
  });
}

/**
 * Resolves `org.neo4j:neo4j:<version>` and its dependencies with Maven (a generated pom, `dependency:copy-dependencies`
 * into the cache, repository layout), once per machine, and checks every jar against the lock file. Maven runs on the
 * host, so its proxy and certificate settings apply.
 */
export function neo4jJars(version: string, log: (line: string) => void = () => undefined): string {
  const lock = jarLock(version);
  const dir = join(cacheRoot(), "maven", "org.neo4j", version);
  const lib = join(dir, "lib");
  // Verified once; the image build checks every sha1 again (Dockerfile), so a later change of the cache cannot slip in.
  const stamp = join(lib, ".verified");
  const lockDigest = createHash("sha256").update(JSON.stringify(lock)).digest("hex");
  if (
    existsSync(stamp) &&
    readFileSync(stamp, "utf8") === lockDigest &&
    lock.every((j) => existsSync(join(lib, j.path)))
  )
    return lib;
  if (lockMismatches(lib, lock).length === 0) {
    writeFileSync(stamp, lockDigest);
    return lib;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "pom.xml"),
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion><groupId>dr-drill</groupId><artifactId>neo4j-offline</artifactId><version>1</version><packaging>pom</packaging>` +
      `<repositories><repository><id>central</id><url>${MAVEN_CENTRAL}</url></repository></repositories>` +
      `<dependencies><dependency><groupId>org.neo4j</groupId><artifactId>neo4j</artifactId><version>${version}</version></dependency></dependencies></project>\n`,
  );
  log(
    `resolving org.neo4j:neo4j:${version} and its ${lock.length - 1} dependencies with Maven (about a minute, once)…`,
  );
  rmSync(lib, { recursive: true, force: true });
  try {
    execFileSync(
      "mvn",
      [
        "-q",
        "-B",
        "-f",
        join(dir, "pom.xml"),
        "dependency:copy-dependencies",
        `-DoutputDirectory=${lib}`,
        "-Dmdep.useRepositoryLayout=true",
      ],
      { stdio: ["ignore", "ignore", "pipe"], timeout: 1_800_000 },
    );
  } catch (err) {
    throw new Error(
      `cannot resolve org.neo4j:neo4j:${version} from Maven Central (needs mvn and ${MAVEN_CENTRAL}): ${(err as Error).message.split("\n")[0]}`,
    );
  }
  const bad = lockMismatches(lib, lock);
  if (bad.length)
    throw new Error(
      `Neo4j ${version} jars differ from engines/neo4j/jars-${version}.sha1:\n  ${bad.slice(0, 10).join("\n  ")}`,
    );
  writeFileSync(stamp, lockDigest);
  return lib;
}

/** The offline build context: this folder's images/ files, the jars flat in lib/ and the lock as `jars.sha1`. */
export function neo4jBuildContext(version: string): string {
  const lock = jarLock(version);
  const jars = neo4jJars(version, (l) => process.stdout.write(`${l}\n`));
  const dir = join(cacheRoot(), "neo4j-context", version);
  mkdirSync(join(dir, "lib"), { recursive: true });
  const images = join(HERE, "images");
  for (const name of ["Dockerfile", "docker-entrypoint.sh", "neo4j", "neo4j-admin"])
    copyFileSync(join(images, name), join(dir, name));
  // Jars are copied only when missing or of another size (the build verifies every sha1); strays are removed.
  const wanted = new Set(lock.map((j) => basename(j.path)));
  for (const name of readdirSync(join(dir, "lib")))
    if (!wanted.has(name)) rmSync(join(dir, "lib", name), { force: true });
  for (const j of lock) {
    const from = join(jars, j.path);
    const to = join(dir, "lib", basename(j.path));
    if (!existsSync(to) || statSync(to).size !== statSync(from).size) copyFileSync(from, to);
  }
  writeFileSync(join(dir, "jars.sha1"), lock.map((j) => `${j.sha1}  ${basename(j.path)}\n`).join(""));
  return dir;
}

/** The official image by default; offline, images/ built from a context holding the verified Maven Central jars. */
export function neo4jImageSpec(version: string): ImageSpec {
  const known = neo4jVersion(version);
  return {
    engine: "neo4j",
    version,
    official: known.official,
    offline: {
      contextDir: () => neo4jBuildContext(version),
      debianSuite: "bookworm",
      buildArgs: { NEO4J_VERSION: version },
    },
  };
}
