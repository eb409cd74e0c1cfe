import type { ImageSpec } from "../../harness/runtime/images.ts";
import { knownVersion } from "../../harness/known-version.ts";

/**
 * The EMQX versions dr-drill knows, as data, each with what its source says it can do (github:emqx/emqx at the
 * version's tag):
 * - `dataExport`: `emqx ctl data export` / `data import` exist (apps/emqx_management/src/emqx_mgmt_cli.erl,
 *   `data(["export"])`, from v5.1.0; absent in v5.0.x);
 * - `retainedInExport`: the export carries the retained messages (apps/emqx_retainer/src/emqx_retainer_mnesia.erl
 *   gains `backup_tables/0` in v5.6: `emqx_retainer_message`, dumped even from RAM tables — `ram_overrides_dump` in
 *   emqx_mgmt_data_backup.erl);
 * - `durableSessions`: the setting that keeps persistent sessions on disk, off by default (apps/emqx/src/emqx_schema.erl:
 *   `session_persistence` in 5.5, `durable_sessions.enable` from 5.7); before 5.0 they live in RAM only and cannot be
 *   backed up (docs/engines/emqx.md, "The vendor's backup guide"); 4.x is not in the table: its source is not in the
 *   repository's 5.x history read here.
 *   Without the setting a file copy restores no session.
 * The data directory and node name layout (`data/mnesia/<node>`) is the same in all of them (bin/emqx: `-mnesia dir
 * "$DATA_DIR/mnesia/$NAME"`).
 */
export interface EmqxVersion {
  dataExport: boolean;
  retainedInExport: boolean;
  durableSessions: string;
}

export const EMQX_VERSIONS: Record<string, EmqxVersion> = {
  "5.5.1": { dataExport: true, retainedInExport: false, durableSessions: "session_persistence.enable" },
  "5.8.6": { dataExport: true, retainedInExport: true, durableSessions: "durable_sessions.enable" },
};

export const EMQX_DEFAULT_VERSION = "5.8.6";

export function emqxVersion(version: string): EmqxVersion {
  return knownVersion(EMQX_VERSIONS, version, "EMQX", "engines/emqx/versions.ts");
}

/** Versions that have `emqx ctl data export` / `data import`. */
export const EMQX_EXPORT_VERSIONS = Object.keys(EMQX_VERSIONS).filter((v) => EMQX_VERSIONS[v]!.dataExport);

/** Why no offline image: said by setup, `dr-drill list` and every skipped drill. */
export const EMQX_UNAVAILABLE =
  "EMQX publishes no Debian package, Maven artifact or Go module, and its build needs the emqx-builder image from ghcr.io; its drills run where the official emqx/emqx images can be pulled";

export function emqxImageSpec(version: string): ImageSpec {
  emqxVersion(version);
  return { engine: "emqx", version, official: `emqx/emqx:${version}`, offline: { unavailable: EMQX_UNAVAILABLE } };
}
