import { CommanderError } from "commander";
import { InputError } from "../harness/errors.ts";
import { program } from "./program.ts";

process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true"; // the reaper image cannot be pulled offline; we clean up by label

/** Help and version are answers, not errors. */
const ANSWERS = new Set(["commander.helpDisplayed", "commander.help", "commander.version"]);

/** Runs the command line; returns the exit code (see `dr-drill --help`). */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const cli = program((c) => (code = c));
  if (argv.length === 0) {
    cli.outputHelp();
    return 2;
  }
  try {
    await cli.parseAsync(argv, { from: "user" });
    return code;
  } catch (err) {
    const first = argv.find((a) => !a.startsWith("-"));
    const command = cli.commands.find((c) => c.name() === first && first !== "help");
    return await exitCodeOf(
      err,
      command
        ? `Run \`dr-drill ${command.name()} --help\` for its options.`
        : "Run `dr-drill --help` for the commands.",
    );
  }
}

/** The exit code of a failed command line, after saying why; `help` says where the options are described. */
async function exitCodeOf(err: unknown, help: string): Promise<number> {
  if (err instanceof CommanderError) {
    if (ANSWERS.has(err.code)) return 0;
    console.error(`dr-drill: ${err.message.replace(/^error: /, "").replace(/\n/g, " ")}\n${help}`);
    return 2;
  }
  if (err instanceof InputError) {
    console.error(`dr-drill: ${err.message}\n${help}`);
    return 2;
  }
  // Only a run that got this far has loaded Docker's client; asking here keeps it out of `--help` and usage errors.
  const [{ DockerUnavailableError }, { ImageUnavailableError }] = await Promise.all([
    import("../harness/runtime/docker.ts"),
    import("../harness/runtime/images.ts"),
  ]);
  if (err instanceof DockerUnavailableError || err instanceof ImageUnavailableError) {
    console.error(`dr-drill: ${err.message}`);
    return 3;
  }
  console.error(`dr-drill: ${err instanceof Error ? err.message : String(err)}`);
  return 1;
}
