import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import tarFs from "tar-fs";
import type { RestoreAttempt } from "../../harness/engine.ts";

/**
 * `emqx ctl data export` (5.1+), read from EMQX's source (apps/emqx_management/src/emqx_mgmt_data_backup.erl, v5.8.6):
 * a gzipped tar `emqx-export-YYYY-MM-DD-HH-MM-SS.mmm.tar.gz` written under `<data_dir>/backup/`, every entry under
 * one directory named like the file without `.tar.gz`: `META.hocon` (`edition = ce`, `version = "5.8.6"`),
 * `cluster.hocon` (the cluster's configuration overrides), and `mnesia/<table>` (one Mnesia backup per built-in
 * table: users, ACL, banned, API keys, PSK, from 5.6.1 `emqx_retainer_message`).
 */
export const EXPORT_NAME = /^emqx-export-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.\d{3}\.tar\.gz$/;

export interface ExportContents {
  baseName: string;
  edition: string;
  version: string;
  clusterHocon: boolean;
  tables: string[];
}

/** `META.hocon` as `hocon_pp` writes it: `key = value` lines, strings quoted when they need it. */
export function parseMeta(text: string): { edition?: string; version?: string } {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|(\S+))\s*$/.exec(line);
    if (m) out[m[1]!] = m[2] ?? m[3]!;
  }
  return { ...(out.edition ? { edition: out.edition } : {}), ...(out.version ? { version: out.version } : {}) };
}

/** Unpacks an export into `dir` and says what it holds; throws with EMQX's own words for what EMQX would refuse. */
export async function readExport(tarGz: string, dir: string): Promise<ExportContents> {
  await pipeline(createReadStream(tarGz), createGunzip(), tarFs.extract(dir));
  const top = await readdir(dir, { withFileTypes: true });
  // format_error(bad_archive_dir): "all files in the archive must be under <backup name> directory"
  if (top.length !== 1 || !top[0]!.isDirectory())
    throw new Error(
      `invalid backup archive content: all files in the archive must be under <backup name> directory (found ${top.map((e) => e.name).join(", ") || "nothing"})`,
    );
  const baseName = top[0]!.name;
  const root = join(dir, baseName);
  const metaText = await readFile(join(root, "META.hocon"), "utf8").catch(() => undefined);
  // format_error(missing_backup_meta) / invalid_edition / invalid_version
  if (metaText === undefined) throw new Error("invalid backup archive file: missing META.hocon");
  const meta = parseMeta(metaText);
  if (meta.edition !== "ce" && meta.edition !== "ee")
    throw new Error("invalid backup archive content: wrong EMQX edition value in META.hocon");
  if (!meta.version || !/^\d+\.\d+/.test(meta.version))
    throw new Error("invalid backup archive content: wrong EMQX version value in META.hocon");
  const tables = await readdir(join(root, "mnesia")).catch(() => []);
  const clusterHocon = await stat(join(root, "cluster.hocon")).then(
    () => true,
    () => false,
  );
  return { baseName, edition: meta.edition, version: meta.version, clusterHocon, tables: tables.sort() };
}

/**
 * Whether `emqx ctl data import` on `target` accepts an export of `exported`, as `check_version/1` decides (v5.1.0 to
 * v5.8.6 alike): refused when the export's major OR its minor is greater than the target's, each compared on its own.
 * So 5.7 → 5.8 imports, 5.8 → 5.7 is refused, and so is 4.9 → 5.8 (minor 9 > 8) although 4 < 5; patch and suffix
 * (`5.7.0-g830266b4`) are ignored.
 */
export function importAllowed(exported: string, target: string): boolean {
  const [eMajor, eMinor] = majorMinor(exported);
  const [tMajor, tMinor] = majorMinor(target);
  return !(eMajor > tMajor || eMinor > tMinor);
}

function majorMinor(version: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) throw new Error(`invalid backup archive content: wrong EMQX version value in META.hocon (${version})`);
  return [Number(m[1]), Number(m[2])];
}

/** `format_error({unsupported_version, V})`: what the CLI prints for a refused import. */
export const NEWER_EXPORT_REFUSED =
  /Backup version \\?"?([^"\\\s]+)\\?"? is newer than EMQX version \\?"?([^"\\\s]+)\\?"?, import is not allowed/;

/** The path `emqx ctl data export` printed: "Data has been successfully exported to <path>." */
export function exportedPath(output: string): string {
  const m = /Data has been successfully exported to (\S+)\.\s*$/m.exec(output);
  if (!m) throw new Error(`emqx ctl data export did not report a file: ${output.trim().slice(-500)}`);
  return m[1]!;
}

/**
 * The lines `emqx ctl data import` prints for what it could not import (emqx_mgmt_data_backup.erl, v5.8.6:
 * `maybe_print_mnesia_import_err`, `conf_error_formatter`), printed above its closing line.
 */
const IMPORT_ERROR_LINE =
  /^(\[error\] Failed to import built-in database table: .*|Failed to import the following config path: .*)$/;

/**
 * What `emqx ctl data import` printed (emqx_mgmt_cli.erl `data(["import", File])`), as an outcome. A partial import
 * ("Data has been imported, but some errors occurred, see the log above.") took some tables or settings and not
 * others: its `errors` are what it printed for each (or that closing line when it printed none), for the restore
 * to report as the tool's errors.
 */
export function importOutcome(output: string): { ok: true; errors: string[] } | { ok: false; reason: string } {
  if (/Data has been imported successfully\./.test(output)) return { ok: true, errors: [] };
  const partial = /Data has been imported, but some errors occurred.*$/m.exec(output);
  if (partial) {
    const lines = output
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => IMPORT_ERROR_LINE.test(l));
    return { ok: true, errors: lines.length ? lines.map((l) => l.slice(0, 500)) : [partial[0].trim()] };
  }
  const failed = /\[error\] Data import failed, reason: (.*)$/m.exec(output);
  return { ok: false, reason: failed ? failed[1]!.trim() : output.trim().slice(-500) || "no output" };
}

/** What a restore attempt on a started node came to, before its duration is known. */
export interface AttemptOutcome {
  attempt: Omit<RestoreAttempt, "durationMs">;
  toolErrors: string[];
}

/**
 * The attempt `emqx ctl data import` made, from what it printed: refused, imported, or imported in part, in which
 * case what it could not import are the restore's tool errors, so the restore check fails on them.
 */
export function importResult(output: string): AttemptOutcome {
  const outcome = importOutcome(output);
  const logTail = output.trim().slice(-2000);
  if (!outcome.ok)
    return {
      attempt: { ok: false, summary: `emqx ctl data import refused the export: ${outcome.reason}`, logTail },
      toolErrors: [],
    };
  const errors = outcome.errors.map((e) => `emqx ctl data import: ${e}`);
  if (errors.length)
    return {
      attempt: {
        ok: true,
        summary: `emqx ctl data import: imported, but some errors occurred (${errors.length}): ${outcome.errors[0]}`,
        observed: outcome.errors,
        logTail,
      },
      toolErrors: errors,
    };
  return {
    attempt: { ok: true, summary: "emqx ctl data import: Data has been imported successfully." },
    toolErrors: [],
  };
}
