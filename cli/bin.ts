#!/usr/bin/env node
// The installed command: `bin` in package.json points at its compiled form, dist/cli/bin.js.
import { main } from "./main.ts";

// `dr-drill list | head` closes the pipe early: the rest of the output has no reader, which is not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code !== "EPIPE") throw err;
});

process.exitCode = await main(process.argv.slice(2));
