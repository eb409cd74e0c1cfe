import type { CheckResult } from "../../harness/checkers/checker.ts";
import { importAllowed, readExport } from "./export.ts";

/**
 * Checks on an `emqx ctl data export` file before importing it into `target`: the archive is one EMQX would read,
 * its version is one `target` accepts (check_version/1), and whether it carries retained messages.
 */
export async function exportChecks(file: string, scratch: string, target: string): Promise<CheckResult[]> {
  let contents;
  try {
    contents = await readExport(file, scratch);
  } catch (err) {
    return [{ name: "preflight:export-archive", valid: false, summary: (err as Error).message }];
  }
  const archive: CheckResult = {
    name: "preflight:export-archive",
    valid: true,
    summary: `${contents.baseName}: EMQX ${contents.version} (${contents.edition}), ${contents.clusterHocon ? "cluster.hocon, " : ""}${contents.tables.length} table(s): ${contents.tables.join(", ")}`,
  };
  const version: CheckResult = importAllowed(contents.version, target)
    ? {
        name: "preflight:export-version",
        valid: true,
        summary: `EMQX ${target} imports an export of ${contents.version}`,
      }
    : {
        name: "preflight:export-version",
        valid: false,
        summary: `EMQX ${target} refuses an export of ${contents.version}: its major or minor version is newer`,
      };
  const retained = contents.tables.includes("emqx_retainer_message");
  const retainedCheck: CheckResult = {
    name: "preflight:export-retained",
    valid: retained,
    summary: retained
      ? "the export carries the retained messages (mnesia/emqx_retainer_message)"
      : `the export of EMQX ${contents.version} carries no retained messages (exported from 5.6.1 on): they will not be restored`,
  };
  return [archive, version, retainedCheck];
}
