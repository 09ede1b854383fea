// ansible_ssh_common_args / ansible_ssh_extra_args: ssh command-line arguments, of which sockaudit
// reads the ones that say how to reach a host. Others are noted, never fatal.
import { splitShellWords } from './shell-words.js';

export interface SshArgOption {
  /** ssh_config keyword, lower case. */
  keyword: string;
  args: string[];
}

/** ssh flags that take no argument and do not change how the host is reached. */
const PLAIN_FLAGS = new Set('46AaCfGgKkMNnqsTtVvXxYy'.split(''));
/** ssh flags whose argument does not change how the host is reached here. */
const IGNORED_WITH_ARGUMENT = new Set('BbcDEeILmOQRSWw'.split(''));
const FLAG_KEYWORD: Record<string, string> = { J: 'proxyjump', i: 'identityfile', p: 'port', l: 'user' };

export function parseSshArgs(text: string): { options: SshArgOption[]; warnings: string[] } {
  const warnings: string[] = [];
  if (text.includes('{{') || text.includes('{%')) {
    return { options: [], warnings: [`ssh args "${text}" use Jinja templating, which sockaudit does not evaluate: they are ignored (pass \`ansible-inventory --list\` JSON to have them resolved)`] };
  }
  const split = splitShellWords(text, { comments: 'never' });
  if ('problem' in split) return { options: [], warnings: [`ssh args ignored: ${split.problem}`] };
  const options: SshArgOption[] = [];
  const words = split.words;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    const flag = /^-([A-Za-z])(.*)$/.exec(word);
    if (!flag) {
      warnings.push(`ssh args: "${word}" is not an option sockaudit understands; ignored`);
      continue;
    }
    const letter = flag[1] as string;
    const attached = flag[2] as string;
    if (PLAIN_FLAGS.has(letter) && /^[A-Za-z0-9]*$/.test(attached) && [...attached].every((c) => PLAIN_FLAGS.has(c))) continue;
    const takesArgument = letter === 'o' || letter === 'F' || letter in FLAG_KEYWORD || IGNORED_WITH_ARGUMENT.has(letter);
    if (!takesArgument) {
      warnings.push(`ssh args: "${word}" is not an option sockaudit understands; ignored`);
      continue;
    }
    const argument = attached !== '' ? attached : words[++i];
    if (argument === undefined) {
      warnings.push(`ssh args: "${word}" lacks its argument; ignored`);
      continue;
    }
    if (letter === 'o') {
      // `-o Key=Value`, `-o "Key Value"`, `-o Key = Value` (rare, but ssh accepts it)
      const kv = /^\s*([A-Za-z0-9]+)\s*(?:=\s*|\s+)(.*)$/.exec(argument);
      if (!kv || (kv[2] as string).trim() === '') {
        warnings.push(`ssh args: "-o ${argument}" is not Key=Value; ignored`);
        continue;
      }
      const value = splitShellWords(kv[2] as string, { comments: 'never' });
      const args = 'problem' in value ? [(kv[2] as string).trim()] : value.words;
      options.push({ keyword: (kv[1] as string).toLowerCase(), args });
    } else if (letter === 'F') {
      warnings.push(`ssh args: "-F ${argument}" is ignored; give sockaudit the config file with -F instead`);
    } else if (letter in FLAG_KEYWORD) {
      options.push({ keyword: FLAG_KEYWORD[letter] as string, args: [argument] });
    }
  }
  return { options, warnings };
}
