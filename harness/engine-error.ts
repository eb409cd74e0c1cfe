/**
 * An error the engine under test returned (an SQL error, a refused read, a server log line), as opposed to an error of
 * dr-drill or Docker. Raised while reading a restored node, it is a finding about the backup: the check fails with
 * the engine's words. Any other exception leaves the drill undecided.
 */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly engineCode?: string,
  ) {
    super(message);
    this.name = "EngineError";
  }
}

export function isEngineError(err: unknown): err is EngineError {
  return err instanceof EngineError;
}
