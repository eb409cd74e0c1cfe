import { InputError } from "../errors.ts";

/** The artifact cannot be had as given (no such file, key or bucket, no credentials): says what to do. Exit 2. */
export class ArtifactInputError extends InputError {
  constructor(spec: string, problem: string) {
    super(`--artifact ${spec}: ${problem}`);
  }
}

/** The artifact's bytes differ from the SHA-256 written beside it: the artifact is damaged, or the checksum stale. */
export class ArtifactChecksumMismatch extends Error {
  constructor(
    readonly origin: string,
    readonly expected: string,
    readonly actual: string,
    readonly checksumOrigin: string,
  ) {
    super(
      `${origin}: its SHA-256 is ${actual} but ${checksumOrigin} says ${expected}; the artifact is damaged or the checksum file is stale, and it was not used`,
    );
  }
}
