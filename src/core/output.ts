/**
 * Where a command's output goes. The CLI writes to stdout; a test (or the web service running a command) passes its
 * own sink and reads what was printed.
 */
export interface OutputSink {
  write(text: string): void;
}

/**
 * A sink writing to a stream of the process. When the reader goes away (`ahriman package-status | head`), writing
 * fails with EPIPE: what is printed after that is dropped, and the command finishes its work (an update is not cut
 * short by its output) instead of dying on an unhandled stream error.
 */
function processSink(stream: NodeJS.WriteStream): OutputSink {
  let readerGone = false;
  let listening = false;
  return {
    write(text) {
      if (readerGone) return;
      if (!listening) {
        listening = true;
        stream.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EPIPE') throw error;
          readerGone = true;
        });
      }
      stream.write(text);
    },
  };
}

export const STDOUT: OutputSink = processSink(process.stdout);

export const STDERR: OutputSink = processSink(process.stderr);

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
