/**
 * A command run in a container (an engine's own tool, a toolbox script) that ran and exited non-zero: the tool's own
 * answer, told apart from an exec or a container start that failed (Docker's error or ours), which throw otherwise.
 */
export class CommandExitError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number,
    readonly output: string,
    tailChars = 2000,
  ) {
    super(`${command} exited ${exitCode}: ${output.trim().slice(-tailChars)}`);
    this.name = "CommandExitError";
  }
}
