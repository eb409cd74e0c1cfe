import { spawn } from "node:child_process";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a host command without a shell. `onLine` receives output lines as they come (for progress on long builds).
 * A time limit is mandatory: nothing the harness starts may hang forever.
 */
export function run(
  command: string,
  args: string[],
  opts: {
    timeoutMs: number;
    input?: NodeJS.ReadableStream;
    onLine?: (line: string) => void;
    env?: NodeJS.ProcessEnv;
    cwd?: string;
  },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: [opts.input ? "pipe" : "ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    const feed = (chunk: Buffer, into: "stdout" | "stderr") => {
      const text = chunk.toString();
      if (into === "stdout") stdout += text;
      else stderr += text;
      if (opts.onLine) for (const line of text.split("\n")) if (line.trim()) opts.onLine(line);
    };
    child.stdout!.on("data", (c: Buffer) => feed(c, "stdout"));
    child.stderr!.on("data", (c: Buffer) => feed(c, "stderr"));
    if (opts.input) opts.input.pipe(child.stdin!);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL") stderr += `\n(killed after ${opts.timeoutMs} ms)`;
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Like `run`, but throws with the command and its error output when it exits non-zero. */
export async function runOrThrow(command: string, args: string[], opts: Parameters<typeof run>[2]): Promise<RunResult> {
  const result = await run(command, args, opts);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} exited ${result.code}: ${(result.stderr || result.stdout).trim().slice(-2000)}`,
    );
  }
  return result;
}
