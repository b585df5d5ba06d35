/** A one-line progress bar on stderr (redrawn in place on a terminal, plain lines otherwise). */
export function progressBar(total: number, stream: NodeJS.WriteStream = process.stderr) {
  const width = 24;
  let last = '';
  return {
    update(done: number, label: string) {
      const filled = total ? Math.round((done / total) * width) : width;
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label}`;
      if (line === last) return;
      last = line;
      if (stream.isTTY) stream.write(`\r\x1b[2K${line}`);
      else stream.write(`${line}\n`);
    },
    finish() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}
