// The one prompt sockaudit ever shows: a key's passphrase, typed on the terminal with echo off.
// collect/ never reads the process's stdin: it is handed this function through the Io.

/**
 * A prompt on `input` (a terminal) that reads one line in raw mode, so nothing typed is echoed.
 * Resolves undefined when stdin is not a terminal (CI: no prompt ever) or on Ctrl-C / Ctrl-D.
 * Prompts are asked one at a time.
 */
export function terminalPassphrasePrompt(input: NodeJS.ReadStream, output: NodeJS.WritableStream): (prompt: string) => Promise<string | undefined> {
  let queue: Promise<unknown> = Promise.resolve();
  return (prompt) => {
    if (!input.isTTY) return Promise.resolve(undefined);
    const answer = queue.then(() => promptHidden(prompt, input, output));
    queue = answer;
    return answer;
  };
}

function promptHidden(prompt: string, input: NodeJS.ReadStream, output: NodeJS.WritableStream): Promise<string | undefined> {
  return new Promise((resolve) => {
    let typed = '';
    const wasRaw = input.isRaw;
    const finish = (value: string | undefined): void => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      resolve(value);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(typed);
        // Ctrl-C or Ctrl-D: no passphrase; the keys are skipped with a problem message.
        if (ch === '\u0003' || ch === '\u0004') return finish(undefined);
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += ch;
      }
    };
    // The progress line may be live on the same terminal: start on a clean line.
    output.write(`\r\x1b[K${prompt}`);
    input.setRawMode(true);
    input.on('data', onData);
    input.resume();
  });
}
