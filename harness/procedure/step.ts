import { GenericContainer } from "testcontainers";
import type { ProcedureStep } from "../schema/procedure.ts";
import { EngineError } from "../engine-error.ts";
import { registerSecretsOf } from "../secrets.ts";

/** Where every step finds the artifact directory: what the backup steps leave there is the backup. */
export const ARTIFACT_PATH = "/dr-drill/artifact";

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const TAIL_CHARS = 2000;

/**
 * A step of the user's procedure that exited non-zero or ran past its deadline: the procedure's own failure, in its
 * words (the output's tail), never an error of dr-drill. A container that could not start is Docker's error, thrown
 * as it is.
 */
export class ProcedureFailure extends EngineError {
  constructor(
    readonly step: string,
    readonly exitCode: number | "timeout",
    readonly outputTail: string,
  ) {
    super(
      `procedure step ${step} ${exitCode === "timeout" ? "ran past its deadline and was ended" : `exited ${exitCode}`}: ${sayingLine(outputTail)}`,
    );
    this.name = "ProcedureFailure";
  }
}

/** The line of a step's output that says what went wrong: its last ERROR/FATAL line, else its last error-looking line, else its last line. */
export function sayingLine(output: string): string {
  const lines = output
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  // A tool's own ERROR or FATAL first: its hints ("check the server log for errors") only say where to look.
  const said = (pattern: RegExp) => lines.filter((l) => pattern.test(l)).at(-1);
  return said(/\b(ERROR|FATAL|PANIC)\b/) ?? said(/error|fail|unable|could not/i) ?? lines.at(-1) ?? "(no output)";
}

/** Where one step runs: the node it reaches, the volumes it sees, what it is labelled with. */
export interface StepPlace {
  /** The image when neither the step nor the procedure names one: the engine's own. */
  defaultImage: string;
  labels: Record<string, string>;
  /** The container whose network the step shares (the node's), so the node is at 127.0.0.1; none when it is stopped. */
  networkOf?: string;
  /** The node's connection variables (the engine provides them). */
  env: Record<string, string>;
  /** The volume at ARTIFACT_PATH. */
  artifactVolume: string;
  /** The node's data volume and where it is mounted, for steps that ask for it. */
  data?: { volume: string; path: string };
  /** How the data volume is mounted when the step does not say. */
  dataDefault: "none" | "read-only" | "read-write";
  signal: AbortSignal;
}

/** A step's name in the evidence and messages: its own, or its list and position. */
export function stepName(step: ProcedureStep, list: string, index: number): string {
  return step.name ?? `${list}[${index + 1}]`;
}

/** "90s", "5m", "1.5h", "500ms" (the schema checked the form). */
export function stepTimeoutMs(step: ProcedureStep): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(step.timeout ?? "");
  if (!m) return DEFAULT_TIMEOUT_MS;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
}

/**
 * Runs one step in a short-lived container: `sh -c <run>` in ARTIFACT_PATH, as `user` (root by default), with the
 * node's variables and the step's own in its environment. Returns the output; throws ProcedureFailure when the
 * script exits non-zero or runs past its deadline (the container is then removed, which ends it).
 */
export async function runStep(
  step: ProcedureStep,
  name: string,
  procedureImage: string | undefined,
  place: StepPlace,
): Promise<{ output: string; durationMs: number }> {
  const env = { ...place.env, ...step.env };
  registerSecretsOf(step.env ?? {});
  const dataMode = step.data ?? place.dataDefault;
  if (dataMode !== "none" && !place.data)
    throw new Error(`step ${name} asks for the data volume, which this step cannot have`);
  const mounts = [
    { source: place.artifactVolume, target: ARTIFACT_PATH, mode: "rw" as const },
    ...(place.data && dataMode !== "none"
      ? [
          {
            source: place.data.volume,
            target: place.data.path,
            mode: dataMode === "read-only" ? ("ro" as const) : ("rw" as const),
          },
        ]
      : []),
  ];
  let container = new GenericContainer(step.image ?? procedureImage ?? place.defaultImage)
    .withEntrypoint(["sleep"])
    .withCommand(["86400"])
    .withUser("root")
    .withLabels(place.labels)
    .withBindMounts(mounts)
    .withStartupTimeout(60_000);
  if (place.networkOf) container = container.withNetworkMode(`container:${place.networkOf}`);
  const started = await container.start();
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => void started.stop({ remove: true, timeout: 0 }).catch(() => undefined);
  place.signal.addEventListener("abort", onAbort, { once: true });
  try {
    const deadline = new Promise<"timeout">(
      (resolve) => (timer = setTimeout(() => resolve("timeout"), stepTimeoutMs(step))),
    );
    const result = await Promise.race([
      started.exec(["sh", "-c", step.run], { user: step.user ?? "root", env, workingDir: ARTIFACT_PATH }),
      deadline,
    ]);
    if (result === "timeout")
      throw new ProcedureFailure(name, "timeout", `still running after ${step.timeout ?? "10m"}`);
    if (place.signal.aborted) throw new Error(`step ${name} interrupted`);
    if (result.exitCode !== 0) throw new ProcedureFailure(name, result.exitCode, result.output.slice(-TAIL_CHARS));
    return { output: result.output, durationMs: Date.now() - t0 };
  } finally {
    clearTimeout(timer);
    place.signal.removeEventListener("abort", onAbort);
    await started.stop({ remove: true, timeout: 0 }).catch(() => undefined);
  }
}
