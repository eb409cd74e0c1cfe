import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";

/** Text gathered before one stream write: a write per line costs a stream's bookkeeping and a Buffer per line. */
const CHUNK = 1 << 16;

/**
 * A file written line by line, with one stream write per 64 KiB of text rather than one per line. `line` only gathers;
 * the writer calls `flush` when `full` says so (it waits while the disk is behind), and `close` at the end.
 */
export class LineFile {
  private readonly out: WriteStream;
  private pending = "";

  constructor(readonly path: string) {
    this.out = createWriteStream(path);
  }

  line(text: string): void {
    this.pending += text + "\n";
  }

  get full(): boolean {
    return this.pending.length >= CHUNK;
  }

  async flush(): Promise<void> {
    if (!this.pending) return;
    const chunk = this.pending;
    this.pending = "";
    if (!this.out.write(chunk)) await once(this.out, "drain");
  }

  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await once(this.out, "finish");
  }
}
