import type { ImageSpec } from "../../harness/runtime/images.ts";
import { knownVersion } from "../../harness/known-version.ts";

/**
 * The EMQX versions dr-drill knows, as data, each with what its source says it can do (github:emqx/emqx at the
 * version's tag):
 * - `dataExport`: `emqx ctl data export` / `data import` exist (apps/emqx_management/src/emqx_mgmt_cli.erl,
 *   `data(["export"])`, from v5.1.0; absent in v5.0.x);
 * - `retainedInExport`: the export carries the retained messages (apps/emqx_retainer/src/emqx_retainer_mnesia.erl
 *   gains `-behaviour(emqx_db_backup)` and `backup_tables/0` in v5.6.1, commit 9d1a69aaa9 "fix: cannot import retained
 *   messages"; absent at v5.6.0: `emqx_retainer_message`; from a RAM table only from v5.7.1, which passes
 *   `ram_overrides_dump` to the checkpoint — apps/emqx_management/src/emqx_mgmt_data_backup.erl, commit baa7996289;
 *   before it a `ram_copies` table is backed up as last dumped to disc, i.e. empty);
 * - `durableSessions`: the setting that keeps persistent sessions on disk, off by default (apps/emqx/src/emqx_schema.erl:
 *   `session_persistence` in 5.5, `durable_sessions.enable` from 5.7); before 5.0 they live in RAM only and cannot be
 *   backed up (docs/engines/emqx.md, "The vendor's backup guide"); 4.x is not in the table (EMQX_NOT_DRILLED says why).
 *   Without the setting a file copy restores no session.
 * The data directory and node name layout (`data/mnesia/<node>`) is the same in all of them (bin/emqx, v5.5.1 and v5.8.6: `-mnesia dir
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

/**
 * What `dr-drill list` says is not drilled, from github emqx/emqx at v4.4.19 (the last v4.4.x tag) and v5.8.6:
 * - 4.4's `emqx_ctl data export` writes `emqx-export-<date>.json` (apps/emqx_management/src/emqx_mgmt_data_backup.erl,
 *   v4.4.19), not the 5.x tar this engine reads, and 4.4 has no durable-session setting (the seed: "Before EMQX 5.0,
 *   persistent sessions were stored in memory"); its Docker Hub image is `emqx/emqx:4.4.19` (emqx/emqx-docker
 *   4.4/Dockerfile: `FROM debian:11-slim`, `EMQX_VERSION=4.4.19`);
 * - `/etc/emqx` and `/var/lib/emqx` are the DEB/RPM package paths in 4.4 and 5.x alike (rebar.config.erl, the `pkg`
 *   overlay vars, v4.4.19 and v5.8.6); the images put both under /opt/emqx, in 4.4 as in 5.x.
 */
export const EMQX_NOT_DRILLED = [
  "EMQX 4.x (emqx/emqx:4.4.19): its data export is a JSON file, not the 5.x archive this engine reads, and its persistent sessions live in RAM only, so there is nothing of theirs to back up (the vendor's guide says so); drilling it needs a 4.x export reader and expectations of its own",
  "the DEB/RPM layout (/etc/emqx, /var/lib/emqx): the drills run the official images, which keep etc/ and data/ under /opt/emqx",
];

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
