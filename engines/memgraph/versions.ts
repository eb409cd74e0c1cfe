import type { ImageSpec } from "../../harness/runtime/images.ts";
import { knownVersion } from "../../harness/known-version.ts";

/**
 * The Memgraph versions dr-drill knows, with the durability format each writes and reads, from Memgraph's source
 * (memgraph/memgraph, src/storage/v2/durability/version.hpp at each release tag): `kVersion` is the format it writes,
 * `IsVersionSupported(v)` is `kOldestSupportedVersion <= v <= kVersion`. Every release from 2.0 to 3.9 has
 * kOldestSupportedVersion 14, so a newer binary reads older files; an older binary skips newer ones (see durability.ts).
 */
export interface MemgraphVersion {
  /** kVersion: the durability format this version writes, and the newest it reads. */
  writes: number;
  /** kOldestSupportedVersion: the oldest format it reads. */
  readsFrom: number;
}

export const MEMGRAPH_VERSIONS: Record<string, MemgraphVersion> = {
  "2.19.0": { writes: 19, readsFrom: 14 },
  "2.22.1": { writes: 21, readsFrom: 14 },
  "3.0.0": { writes: 22, readsFrom: 14 },
  "3.7.2": { writes: 31, readsFrom: 14 },
};

export const MEMGRAPH_DEFAULT_VERSION = "3.7.2";

export function memgraphVersion(version: string): MemgraphVersion {
  return knownVersion(MEMGRAPH_VERSIONS, version, "Memgraph", "engines/memgraph/versions.ts");
}

/** Why this machine cannot build a Memgraph image: printed by `dr-drill list`, the setup and every skipped drill. */
export const NO_OFFLINE_MEMGRAPH =
  "Memgraph's server ships only in its own images and packages (memgraph/memgraph on Docker Hub, download.memgraph.com), none of them on a package registry this recipe can use (Debian, Maven Central, Go module proxy)";

export function memgraphImageSpec(version: string): ImageSpec {
  memgraphVersion(version);
  return {
    engine: "memgraph",
    version,
    official: `memgraph/memgraph:${version}`,
    offline: { unavailable: NO_OFFLINE_MEMGRAPH },
  };
}
