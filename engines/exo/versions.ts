import { copyFile, mkdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ImageSpec } from "../../harness/runtime/images.ts";
import { runOrThrow } from "../../harness/runtime/shell.ts";
import { knownVersion } from "../../harness/known-version.ts";

/**
 * The eXo data tiers dr-drill knows, as data: which PostgreSQL major holds the three datasources, which MongoDB major
 * holds chat, and which platform image would serve them. Users get `postgres:<major>` and `mongo:<major>`; offline,
 * PostgreSQL is the image the postgres engine runs (protocols/pg/image.ts) and the MongoDB wire from FerretDB + mongo-tools (below).
 */
export interface ExoTierVersion {
  postgres: string;
  mongo: string;
  platformImage: string;
}

export const EXO_VERSIONS: Record<string, ExoTierVersion> = {
  "7.0": { postgres: "15", mongo: "7", platformImage: "exoplatform/exo:7.0" },
};
export const EXO_DEFAULT_VERSION = "7.0";

export function exoVersion(version: string): ExoTierVersion {
  return knownVersion(EXO_VERSIONS, version, "eXo", "engines/exo/versions.ts");
}

/** What the offline MongoDB-wire image is built from: said in the evidence (image ref) and docs/engines/exo.md. */
export const MONGO_WIRE_OFFLINE = { ferretdb: "v1.24.2", mongoTools: "100.6.1" };

const IMAGES_DIR = fileURLToPath(new URL("./images/", import.meta.url));
const cacheRoot = () => process.env.DR_DRILL_CACHE ?? join(homedir(), ".cache", "dr-drill");

/**
 * Builds FerretDB and mongo-tools once per machine into ~/.cache/dr-drill/mongo-wire/ (build-mongo-wire.sh, host Go
 * from the module proxy, progress printed), then lays out a build context of the Dockerfile and the three binaries.
 */
async function mongoWireContext(): Promise<string> {
  const dir = join(
    cacheRoot(),
    "mongo-wire",
    `ferretdb-${MONGO_WIRE_OFFLINE.ferretdb.slice(1)}-mongo-tools-${MONGO_WIRE_OFFLINE.mongoTools}`,
  );
  await runOrThrow("bash", [join(IMAGES_DIR, "build-mongo-wire.sh"), dir], {
    timeoutMs: 1_800_000,
    onLine: (l) => process.stdout.write(`[mongo-wire build] ${l}\n`),
  });
  const context = join(dir, "context");
  await mkdir(context, { recursive: true });
  for (const f of ["ferretdb", "mongodump", "mongorestore"]) await copyFile(join(dir, f), join(context, f));
  for (const f of ["Dockerfile", "docker-entrypoint.sh"]) await copyFile(join(IMAGES_DIR, f), join(context, f));
  return context;
}

/** The chat database's image: `mongo:<major>` by default, FerretDB + mongo-tools offline. */
export function mongoWireImageSpec(version: string): ImageSpec {
  return {
    engine: "exo",
    version,
    official: `mongo:${exoVersion(version).mongo}`,
    offline: {
      contextDir: mongoWireContext,
      debianSuite: "bookworm",
      buildArgs: { FERRETDB: MONGO_WIRE_OFFLINE.ferretdb, MONGO_TOOLS: MONGO_WIRE_OFFLINE.mongoTools },
    },
  };
}

/** The platform itself: only the official image; nothing in a package registry builds it. */
export function platformImageSpec(version: string): ImageSpec {
  return {
    engine: "exo-platform",
    version,
    official: exoVersion(version).platformImage,
    offline: {
      unavailable:
        "eXo Platform publishes no Debian package, Maven distribution or Go module an offline image can be built from",
    },
  };
}
