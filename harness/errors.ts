/** Bad input from the user (a flag, an environment variable, the config file): the message names where it came from. */
export class InputError extends Error {}

/** A configuration problem, naming the file and the key. */
export class ConfigError extends InputError {}

/** Reads a user-given value; any failure becomes an InputError naming where the value came from. */
export function fromInput<T>(origin: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw new InputError(`${origin}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
