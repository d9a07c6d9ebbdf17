/**
 * Where a command's output goes. The CLI writes to stdout; a test (or the web service running a command) passes its
 * own sink and reads what was printed.
 */
export interface OutputSink {
  write(text: string): void;
}

export const STDOUT: OutputSink = {
  write(text) {
    process.stdout.write(text);
  },
};

export const STDERR: OutputSink = {
  write(text) {
    process.stderr.write(text);
  },
};

/** A sink that keeps what was written, for running commands in-process. */
export class CapturedOutput implements OutputSink {
  private readonly chunks: string[] = [];

  write(text: string): void {
    this.chunks.push(text);
  }

  text(): string {
    return this.chunks.join('');
  }
}
