import type { ImageSpec } from "../../harness/runtime/images.ts";
import { CHUNK_VERSION } from "./formats.ts";
import { knownVersion } from "../../harness/known-version.ts";

/**
 * The EventStoreDB and KurrentDB versions dr-drill knows, as data. Each row was read from the server's own source at
 * that release (github:EventStore/EventStore tags oss-v22.10.5, oss-v23.10.6 (= oss-v23.10.7 in every file cited
 * here), v24.10.4; github:kurrent-io/KurrentDB tags v25.0.0, v26.0.3):
 * - `Dockerfile`: data in /var/lib/eventstore (EventStoreDB) or /var/lib/kurrentdb (KurrentDB), owned by the image's
 *   user, uid 1000 up to 25.x and 1001 from 26.0 (`ARG UID`); port 2113; health `/health/live`;
 * - `TFChunk.CurrentChunkVersion`: 3 (Aligned) up to 23.10, 4 (Transformed) from 24.x;
 * - `ClusterVNode.StartNode`: from 24.x the node truncates, logs "Truncation successful. Shutting down." and exits 0,
 *   to be started again; 22.10 and 23.10 truncate and go on;
 * - configuration by environment with the product's prefix (`EVENTSTORE_`, `KURRENTDB_`);
 * - `ChunkSize` is read from the configuration only from 24.x: 22.10 and 23.10 declare it
 *   (src/EventStore.Core/ClusterVNodeOptions.cs, `public int ChunkSize { get; init; } = TFConsts.ChunkSize;`) but
 *   `DatabaseOptions.FromConfiguration` lists every other database option and not this one (oss-v22.10.5 lines
 *   546-583, oss-v23.10.6 lines 581-619), so their chunks stay 256 MiB (TFConsts.cs) whatever `CHUNK_SIZE` says;
 *   24.10 binds the whole section (src/EventStore.Core/Configuration/ClusterVNodeOptions.cs,
 *   `configuration.BindOptions<DatabaseOptions>()`, v24.10.4 line 84), and so do 25.0 and 26.0.
 * - secondary indexes (a DuckDB file `kurrent.ddb` beside the chunks, changed in place) exist from 25.1 and are on by
 *   default (src/KurrentDB.SecondaryIndexing/SecondaryIndexingPlugin.cs `IsEnabled`: `enabledOption ?? true`, key
 *   `KurrentDB:SecondaryIndexing:Enabled`, v26.0.3); the vendor does not support an online file copy with them on
 *   (docs/server/operations/backup.md and docs/server/features/indexes/secondary.md "Backup and restore", v26.0.3).
 *   26.0 nodes run with them off: `KURRENTDB_SECONDARY_INDEXING__ENABLED=false` (the `__` is the section delimiter,
 *   src/KurrentDB.Core/Configuration/Sources/KurrentConfigurationKeys.cs, v26.0.3).
 * The image tags are pinned to a patch release whose public use shows it exists (Docker Hub cannot be reached from
 * where this was written): see `official` in each row.
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
  /** The server reads `CHUNK_SIZE` from its configuration (24.x on); older ones keep 256 MiB chunks. */
  honoursChunkSize: boolean;
  /** Server options every node of this version runs with, by environment name without the prefix. */
  options: Record<string, string>;
  client: "esdb" | "kurrent";
}

const esdb = (
  image: string,
  chunkVersion: number,
  exitsAfterTruncation: boolean,
  honoursChunkSize: boolean,
): EventStoreVersion => ({
  product: "EventStoreDB",
  official: image,
  dataDir: "/var/lib/eventstore",
  envPrefix: "EVENTSTORE_",
  uid: 1000,
  chunkVersion,
  exitsAfterTruncation,
  honoursChunkSize,
  options: {},
  client: "esdb",
});

const kurrent = (image: string, uid: number, options: Record<string, string> = {}): EventStoreVersion => ({
  product: "KurrentDB",
  official: image,
  dataDir: "/var/lib/kurrentdb",
  envPrefix: "KURRENTDB_",
  uid,
  chunkVersion: CHUNK_VERSION.transformed,
  exitsAfterTruncation: true,
  honoursChunkSize: true,
  options,
  client: "kurrent",
});

export const EVENTSTORE_VERSIONS: Record<string, EventStoreVersion> = {
  // Used by Xabaril/AspNetCore.Diagnostics.HealthChecks test/HealthChecks.EventStore.Tests/EventStoreDbContainerFixture.cs
  // (the vendor's own sample at oss-v22.10.5, samples/server/docker-compose.yaml, names 22.10.3-buster-slim).
  "22.10": esdb("eventstore/eventstore:22.10.5-bookworm-slim", CHUNK_VERSION.aligned, false, false),
  // Used by testcontainers/testcontainers-node packages/modules/kurrentdb/src/kurrentdb-container.test.ts.
  "23.10": esdb("eventstore/eventstore:23.10.7-bookworm-slim", CHUNK_VERSION.aligned, false, false),
  // Used by several public test suites (EventStoreDbBuilder().WithImage("eventstore/eventstore:24.10.4-jammy")).
  "24.10": esdb("eventstore/eventstore:24.10.4-jammy", CHUNK_VERSION.transformed, true, true),
};

export const KURRENTDB_VERSIONS: Record<string, EventStoreVersion> = {
  // The vendor's registry (docs/server/quick-start/installation.md at v25.0.0: docker.kurrent.io/kurrent-latest,
  // "production-ready LTS and STS containers"); the 25.0.0 tag is used by public KurrentDB operator manifests.
  "25.0": kurrent("docker.kurrent.io/kurrent-latest/kurrentdb:25.0.0", 1000),
  // The same registry (installation.md at v26.0.3); the 26.0.3 tag is used publicly in kurrent-latest and kurrent-lts.
  "26.0": kurrent("docker.kurrent.io/kurrent-latest/kurrentdb:26.0.3", 1001, { SECONDARY_INDEXING__ENABLED: "false" }),
};

/** 256 MiB: `TFConsts.ChunkSize`, the chunk size of a node that is not told otherwise (or cannot be, 22.10/23.10). */
export const DEFAULT_CHUNK_SIZE = 256 * 1024 * 1024;

/**
 * Chunks of 1 MiB instead of 256 MiB where the server honours `CHUNK_SIZE`: a drill's few thousand events then span
 * several chunks, so a missing chunk, a flipped byte in a completed one, a scavenge and a differential backup mean
 * something.
 */
export const DRILL_CHUNK_SIZE = 1024 * 1024;

/**
 * The chunk size every node of a drill runs with: the small one when every version involved honours it, else the
 * default, so a backup never meets a target configured for another chunk size (a 22.10 backup of 256 MiB chunks
 * restored into a 24.10 told 1 MiB, or the other way round).
 */
export function drillChunkSize(versions: string[]): number {
  return versions.every((v) => eventStoreVersion(v).honoursChunkSize) ? DRILL_CHUNK_SIZE : DEFAULT_CHUNK_SIZE;
}

export const EVENTSTORE_DEFAULT_VERSION = "24.10";
export const KURRENTDB_DEFAULT_VERSION = "26.0";

/** Every version in upgrade order, EventStoreDB then KurrentDB: the version matrix walks it. */
export const ALL_VERSIONS: Record<string, EventStoreVersion> = { ...EVENTSTORE_VERSIONS, ...KURRENTDB_VERSIONS };

export function eventStoreVersion(version: string): EventStoreVersion {
  return knownVersion(ALL_VERSIONS, version, "EventStoreDB/KurrentDB", "engines/eventstore/versions.ts");
}

/** Why dr-drill builds no image of its own: no registry package ships either server (checked: Debian, npm, PyPI, Maven, Go). */
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
