import type { ImageSpec } from "../../harness/runtime/images.ts";
import { CHUNK_VERSION } from "./formats.ts";
import { knownVersion } from "../../harness/known-version.ts";

/**
 * The EventStoreDB and KurrentDB versions dr-drill knows, as data. Each row was read from the server's own source at
 * that release (github:EventStore/EventStore tags oss-v22.10.5, oss-v23.10.6, v24.10.4; github:kurrent-io/KurrentDB
 * tags v25.0.0, v26.0.3):
 * - `Dockerfile`: data in /var/lib/eventstore (EventStoreDB) or /var/lib/kurrentdb (KurrentDB), owned by the image's
 *   user, uid 1000 up to 25.x and 1001 from 26.0 (`ARG UID`); port 2113; health `/health/live`;
 * - `TFChunk.CurrentChunkVersion`: 3 (Aligned) up to 23.10, 4 (Transformed) from 24.x;
 * - `ClusterVNode.StartNode`: from 24.x the node truncates, logs "Truncation successful. Shutting down." and exits 0,
 *   to be started again; 22.10 and 23.10 truncate and go on;
 * - configuration by environment with the product's prefix (`EVENTSTORE_`, `KURRENTDB_`).
 * The image tags are the vendors' `major.minor` tags; none can be pulled from this repository's CI
 * (docs/engines/eventstore.md).
 */
export interface EventStoreVersion {
  product: "EventStoreDB" | "KurrentDB";
  official: string;
  dataDir: string;
  envPrefix: "EVENTSTORE_" | "KURRENTDB_";
  uid: number;
  /** The highest chunk version the server reads and the one it writes. */
  chunkVersion: number;
  /** The node exits 0 after truncating and must be started again. */
  exitsAfterTruncation: boolean;
  client: "esdb" | "kurrent";
}

const esdb = (tag: string, chunkVersion: number, exitsAfterTruncation: boolean): EventStoreVersion => ({
  product: "EventStoreDB",
  official: `eventstore/eventstore:${tag}`,
  dataDir: "/var/lib/eventstore",
  envPrefix: "EVENTSTORE_",
  uid: 1000,
  chunkVersion,
  exitsAfterTruncation,
  client: "esdb",
});

const kurrent = (tag: string, uid: number): EventStoreVersion => ({
  product: "KurrentDB",
  official: `kurrentplatform/kurrentdb:${tag}`,
  dataDir: "/var/lib/kurrentdb",
  envPrefix: "KURRENTDB_",
  uid,
  chunkVersion: CHUNK_VERSION.transformed,
  exitsAfterTruncation: true,
  client: "kurrent",
});

export const EVENTSTORE_VERSIONS: Record<string, EventStoreVersion> = {
  "22.10": esdb("22.10", CHUNK_VERSION.aligned, false),
  "23.10": esdb("23.10", CHUNK_VERSION.aligned, false),
  "24.10": esdb("24.10", CHUNK_VERSION.transformed, true),
};

export const KURRENTDB_VERSIONS: Record<string, EventStoreVersion> = {
  "25.0": kurrent("25.0", 1000),
  "26.0": kurrent("26.0", 1001),
};

export const EVENTSTORE_DEFAULT_VERSION = "24.10";
export const KURRENTDB_DEFAULT_VERSION = "26.0";

/** Every version in upgrade order, EventStoreDB then KurrentDB: the version matrix walks it. */
export const ALL_VERSIONS: Record<string, EventStoreVersion> = { ...EVENTSTORE_VERSIONS, ...KURRENTDB_VERSIONS };

export function eventStoreVersion(version: string): EventStoreVersion {
  return knownVersion(ALL_VERSIONS, version, "EventStoreDB/KurrentDB", "engines/eventstore/versions.ts");
}

/** Why no image can be built here: no registry package ships either server (checked: Debian, npm, PyPI, Maven, Go). */
const UNAVAILABLE =
  "EventStoreDB and KurrentDB ship no Debian package, npm, PyPI, Maven or Go artifact of the server; their images come only from container registries";

export function eventStoreImageSpec(engine: string): (version: string) => ImageSpec {
  return (version) => ({
    engine,
    version,
    official: eventStoreVersion(version).official,
    offline: { unavailable: UNAVAILABLE },
  });
}

/**
 * What a restore from one version into another must show: the same version or the next one up (an upgrade the
 * vendors document, 24.10 → 25.0 included) must pass; any other pair, a downgrade above all, must at least not
 * lose data silently, and the drill records what it did.
 */
export function versionPairExpectation(from: string, to: string): "pass" | "no-silent-loss" {
  const order = Object.keys(ALL_VERSIONS);
  const step = order.indexOf(to) - order.indexOf(from);
  return step === 0 || step === 1 ? "pass" : "no-silent-loss";
}
