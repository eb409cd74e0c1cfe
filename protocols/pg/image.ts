import { fileURLToPath } from "node:url";
import type { ImageSpec } from "../../harness/runtime/images.ts";
import { knownVersion } from "../../harness/known-version.ts";

/**
 * The PostgreSQL versions dr-drill knows, as data: add a line to support another one. The official image is the
 * default; the offline recipe builds the same layout from Debian's packages (the Debian release that ships that major).
 */
export const POSTGRES_VERSIONS: Record<string, { debianSuite: string }> = {
  "15": { debianSuite: "bookworm" },
  "17": { debianSuite: "trixie" },
};

const IMAGES_DIR = fileURLToPath(new URL("./images/", import.meta.url));

export function postgresImageSpec(version: string): ImageSpec {
  const known = knownVersion(POSTGRES_VERSIONS, version, "PostgreSQL", "protocols/pg/image.ts");
  return {
    engine: "postgres",
    version,
    official: `postgres:${version}`,
    offline: { contextDir: IMAGES_DIR, debianSuite: known.debianSuite, buildArgs: { PG_MAJOR: version } },
    contract: async (ref) => {
      const { postgresImageDifferences, postgresImageFacts } = await import("./image-contract.ts");
      return postgresImageDifferences(await postgresImageFacts(ref), version);
    },
  };
}
