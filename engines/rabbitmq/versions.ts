import { fileURLToPath } from "node:url";
import type { ImageSpec } from "../../harness/runtime/images.ts";
import { knownVersion } from "../../harness/known-version.ts";

/**
 * The RabbitMQ versions dr-drill knows, as data. The official image `rabbitmq:<version>` is the default; the offline
 * recipe builds the same layout from the Debian release that ships that version (bookworm: 3.10.8 on Erlang/OTP 25),
 * with the MQTT plugin enabled.
 */
export const RABBITMQ_VERSIONS: Record<string, { debianSuite: string }> = {
  "3.10.8": { debianSuite: "bookworm" },
};

export const RABBITMQ_DEFAULT_VERSION = "3.10.8";

const IMAGES_DIR = fileURLToPath(new URL("./images/", import.meta.url));

export function rabbitmqImageSpec(version: string): ImageSpec {
  const known = knownVersion(RABBITMQ_VERSIONS, version, "RabbitMQ", "engines/rabbitmq/versions.ts");
  return {
    engine: "rabbitmq",
    version,
    official: `rabbitmq:${version}`,
    offline: { contextDir: IMAGES_DIR, debianSuite: known.debianSuite, buildArgs: { RABBITMQ_VERSION: version } },
  };
}
