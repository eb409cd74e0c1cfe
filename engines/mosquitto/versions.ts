import { fileURLToPath } from "node:url";
import type { ImageSpec } from "../../harness/runtime/images.ts";
import { knownVersion } from "../../harness/known-version.ts";

/**
 * The Mosquitto versions dr-drill knows. The official `eclipse-mosquitto:<major>` image is the default; the offline
 * recipe builds the same layout from Debian bookworm's `mosquitto` package (2.0.11).
 */
export const MOSQUITTO_VERSIONS: Record<string, { debianSuite: string; official: string }> = {
  "2": { debianSuite: "bookworm", official: "eclipse-mosquitto:2" },
};

export const MOSQUITTO_DEFAULT_VERSION = "2";

const IMAGES_DIR = fileURLToPath(new URL("./images/", import.meta.url));

export function mosquittoImageSpec(version: string): ImageSpec {
  const known = knownVersion(MOSQUITTO_VERSIONS, version, "Mosquitto", "engines/mosquitto/versions.ts");
  return {
    engine: "mosquitto",
    version,
    official: known.official,
    offline: { contextDir: IMAGES_DIR, debianSuite: known.debianSuite, buildArgs: {} },
  };
}
