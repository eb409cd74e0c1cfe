import { basename } from "node:path";
import { EMQX_DATA, EMQX_UID } from "./config.ts";
import { importResult, type AttemptOutcome } from "./export.ts";

/**
 * Where `emqx ctl data import` unpacks an export: `<data_dir>/backup` (root_backup_dir/0 and extract_backup/1 in
 * apps/emqx_management/src/emqx_mgmt_data_backup.erl, v5.5.1 and v5.8.6). The image does not have it: the release
 * creates data/mnesia, configs, patches and scripts only (rebar.config.erl `{mkdir, "data/…"}`, v5.8.6), and EMQX makes
 * backup/ on first need.
 */
export const EMQX_BACKUP_DIR = `${EMQX_DATA}/backup`;

/** The part of a started node an import needs. */
export interface ImportTarget {
  exec(command: string[], opts?: { user: string }): Promise<{ output: string; exitCode: number }>;
  copyFileIn(hostPath: string, containerPath: string): Promise<void>;
}

/**
 * Makes backup/ as the image's user (uid 1000, `useradd -r -m -u 1000` in emqx/emqx-docker
 * 5.5/Dockerfile and 5.8/Dockerfile, and in emqx/emqx deploy/docker/Dockerfile at v5.5.1 and v5.8.6):
 * otherwise Docker creates the missing parent of the copied file as root, and `data import` — which extracts there as
 * uid 1000 before `check_version/1` (do_import/2) — fails on permissions instead of deciding on the export.
 */
export const BACKUP_DIR_COMMAND = { command: ["mkdir", "-p", EMQX_BACKUP_DIR], user: `${EMQX_UID}:${EMQX_UID}` };

/** `emqx ctl data import <file>` on a fresh node, the export copied into backup/ first; what it printed decides. */
export async function importExport(emqx: ImportTarget, hostFile: string): Promise<AttemptOutcome> {
  const made = await emqx.exec(BACKUP_DIR_COMMAND.command, { user: BACKUP_DIR_COMMAND.user });
  if (made.exitCode !== 0)
    throw new Error(`${BACKUP_DIR_COMMAND.command.join(" ")} as ${BACKUP_DIR_COMMAND.user} failed: ${made.output}`);
  const target = `${EMQX_BACKUP_DIR}/${basename(hostFile)}`;
  await emqx.copyFileIn(hostFile, target);
  return importResult((await emqx.exec(["emqx", "ctl", "data", "import", target])).output);
}
