// Parses a text/event-stream body as it arrives: yields {event, data} with data JSON-decoded.
export async function* readEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = 'message';
  let data = [];
  const flush = function* () {
    if (data.length) {
      const text = data.join('\n');
      let parsed;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = { text };
      }
      yield { event, data: parsed };
    }
    event = 'message';
    data = [];
  };
  for (;;) {
    const { value, done } = await reader.read();
    // A last line without its newline still counts when the stream ends.
    if (done && buffer === '') break;
    buffer += done ? '\n' : value;
    let i;
    while ((i = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + (buffer.startsWith('\r\n', i) ? 2 : 1));
      if (line === '') yield* flush();
      else if (!line.startsWith(':')) {
        const c = line.indexOf(':');
        const field = c < 0 ? line : line.slice(0, c);
        const val = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
        if (field === 'event') event = val;
        else if (field === 'data') data.push(val);
      }
    }
    if (done) break;
  }
  yield* flush();
}
