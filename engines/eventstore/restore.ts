import type { DrillRuntime, RestoreAttempt, RestoreHooks, RestoreResult } from "../../harness/engine.ts";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { removeVolume } from "../../harness/runtime/resources.ts";
import { restoreVolume } from "../../harness/runtime/restore-volume.ts";
import { startOrRefusal } from "../../harness/runtime/start-or-refusal.ts";
import type { EventStoreContainer, StartedEventStore } from "./container.ts";
import { EventStoreNode } from "./node.ts";
import type { EventStoreVersion } from "./versions.ts";

/** Server log lines that say what became of a restored database (TFChunkDb.cs, ClusterVNode.cs, ReadIndex). */
export const TRUNCATED = "Truncation successful. Shutting down.";
const TELLING =
  /Truncat|excessive TFChunks|ReadIndex is corrupted|Verification of chunk .* failed|CorruptDatabaseException|ChunkNotFoundException|ExtraneousFileFoundException|ReaderCheckpointHigherThanWriterException|MaxTruncation|UnsupportedFileVersionException/;

/** The lines of a log worth quoting, at most `n`. */
export function tellingLines(log: string, n = 12): string[] {
  return log
    .split("\n")
    .filter((l) => TELLING.test(l))
    .slice(-n)
    .map((l) => l.trim().slice(0, 400));
}

/** Why a start failed, in the server's words when it said something. */
export function refusalSummary(exitCode: number | undefined, log: string): string {
  const said = tellingLines(log, 3);
  return `the node exited${exitCode === undefined ? "" : ` with code ${exitCode}`} before it was ready${said.length ? `: ${said.join(" | ")}` : ""}`;
}

/** The node exited before it was ready: its refusal, in its own telling lines. */
export function nodeExited(exit: { exitCode: number; logTail: string }): string {
  return refusalSummary(exit.exitCode, exit.logTail);
}

/**
 * After the settle: a node Docker reports stopped refused the restore late (a failed chunk verification), with its
 * exit code and log; a node still running is undefined; a failed look at it (Docker) is thrown, never an exit.
 */
export async function exitedWhileSettling(
  node: Pick<StartedEventStore, "state" | "log">,
  observed: string[],
  startedAt: number,
): Promise<RestoreAttempt | undefined> {
  const state = await node.state();
  const log = await node.log();
  observed.push(...tellingLines(log));
  if (state.running) return undefined;
  return {
    ok: false,
    summary: refusalSummary(state.exitCode, log),
    exitCode: state.exitCode,
    logTail: log.slice(-4000),
    durationMs: Date.now() - startedAt,
    observed,
  };
}

/** How long after coming up the node is watched for a failed background chunk verification (TFChunkDb.Open). */
const SETTLE_MS = 10_000;

interface RestorePlan {
  builder: EventStoreContainer;
  volume: string;
  dir: string;
  image: ResolvedImage;
  version: EventStoreVersion;
  truncateFromChaser: boolean;
  /** The truncate position the node will find (-1: none). */
  truncateAt: number;
  rt: DrillRuntime;
  hooks: RestoreHooks;
}

/**
 * The guide's restore on a stopped node: files into the empty volume owned by the image's uid, `chaser.chk` copied
 * to `truncate.chk`, start. A 24.x+ node asked to truncate exits 0 after "Truncation successful" and is started
 * again (ClusterVNode.StartNode); both runs belong to one attempt, and what was seen is listed in `observed`.
 */
export async function restoreAttempts(p: RestorePlan): Promise<RestoreResult<EventStoreNode>> {
  const { rt, version } = p;
  const volume = restoreVolume({
    image: p.image,
    volume: p.volume,
    mountPath: version.dataDir,
    uid: version.uid,
    labels: rt.labels,
  });
  const observed: string[] = [];
  const started = Date.now();
  try {
    await volume.copyIn(p.dir);
    if (p.truncateFromChaser) {
      await volume.sh(
        `cp -p '${version.dataDir}/chaser.chk' '${version.dataDir}/truncate.chk' && chown ${version.uid}:${version.uid} '${version.dataDir}/truncate.chk'`,
      );
      observed.push(`chaser.chk copied to truncate.chk (${p.truncateAt})`);
    } else {
      observed.push(
        `truncate.chk ${(await volume.exists("truncate.chk")) ? "left as backed up" : "absent"}: the restore did not write it`,
      );
    }
    await p.hooks.afterCopyIn?.(volume);
    if (p.truncateAt !== -1 && version.exitsAfterTruncation) {
      const first = await p.builder.runToExit(300_000);
      const truncated = first.log.includes(TRUNCATED);
      observed.push(...tellingLines(first.log));
      if (first.exitCode !== 0) {
        const failed: RestoreAttempt = {
          ok: false,
          summary: truncated ? `truncated, then exited ${first.exitCode}` : refusalSummary(first.exitCode, first.log),
          exitCode: first.exitCode,
          logTail: first.log.slice(-4000),
          durationMs: Date.now() - started,
          observed,
        };
        rt.log(`  restore failed: ${failed.summary}`);
        await removeVolume(p.volume).catch(() => undefined);
        return { attempts: [failed], toolErrors: [] };
      }
      // Exit 0 is the truncation's own way out; whether its log line was still in the tail read is said as seen.
      observed.push(
        truncated
          ? `exited 0 after "${TRUNCATED}": started again`
          : `exited 0 (the truncation line was not in the log tail read): started again`,
      );
    }
    const start = await startOrRefusal(() => p.builder.start(), nodeExited, { startedAt: started, observed });
    if ("refused" in start) {
      rt.log(`  restore failed: ${start.refused.summary}`);
      await removeVolume(p.volume).catch(() => undefined);
      return { attempts: [start.refused], toolErrors: [] };
    }
    const node = new EventStoreNode(start.started, p.volume);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const exited = await exitedWhileSettling(start.started, observed, started).catch(async (err: unknown) => {
      await node.destroy().catch(() => undefined);
      throw err;
    });
    if (exited) {
      rt.log(`  restore failed: ${exited.summary}`);
      await node.destroy().catch(() => undefined);
      return { attempts: [exited], toolErrors: [] };
    }
    rt.log(`  restored: ${observed.join("; ")}`);
    return {
      node,
      attempts: [
        {
          ok: true,
          summary: `${version.product} came up on the restored files`,
          durationMs: Date.now() - started,
          observed,
        },
      ],
      toolErrors: [],
    };
  } catch (err) {
    await removeVolume(p.volume).catch(() => undefined);
    throw err;
  }
}
