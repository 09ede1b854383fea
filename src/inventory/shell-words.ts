// Shell-style word splitting, as Python's shlex.split (posix) does it for Ansible and as
// OpenSSH's argv_split does it for ssh_config lines.

export interface SplitOptions {
  /**
   * Where an unquoted `#` starts a comment: `anywhere` (shlex with comments, Ansible INI),
   * `word-start` (OpenSSH), or `never` (Ansible's ssh args).
   */
  comments: 'anywhere' | 'word-start' | 'never';
}

export type Split = { words: string[] } | { problem: string };

export function splitShellWords(text: string, options: SplitOptions): Split {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const end = (): void => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      end();
      i++;
    } else if (c === '#' && (options.comments === 'anywhere' || (options.comments === 'word-start' && !inWord))) {
      break;
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) return { problem: `unterminated ' quote in: ${text.trim()}` };
      word += text.slice(i + 1, close);
      inWord = true;
      i = close + 1;
    } else if (c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= text.length) return { problem: `unterminated " quote in: ${text.trim()}` };
        const d = text[j] as string;
        if (d === '"') break;
        if (d === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) {
          word += text[j + 1];
          j += 2;
        } else {
          word += d;
          j++;
        }
      }
      inWord = true;
      i = j + 1;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[i + 1];
      inWord = true;
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  end();
  return { words };
}
