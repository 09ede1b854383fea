// Error messages as a user reads them: the system's errno codes become words, and the file
// comes first ("cannot read FILE: no such file"), so no ENOENT or EISDIR reaches the terminal.

const ERRNO_WORDS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'already exists (and is not a folder)',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files (raise ulimit -n)',
  ENFILE: 'too many open files on this machine',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'name too long',
  EBUSY: 'busy',
  EIO: 'input/output error',
  ENOTEMPTY: 'folder not empty',
  EXDEV: 'on another file system',
};

const SYSCALL_VERBS: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  mkdir: 'create',
  rename: 'rename',
  scandir: 'list',
  opendir: 'list',
  stat: 'read',
  lstat: 'read',
  readlink: 'read',
  unlink: 'remove',
  rmdir: 'remove',
  access: 'open',
  copyfile: 'copy',
};

/** An errno code in words, or undefined for a code this table does not know. */
export function errnoWords(code: string): string | undefined {
  return ERRNO_WORDS[code];
}

/** A message with the system's error codes put in words. */
export function plainMessage(message: string): string {
  return (
    message
      // Our own "FILE: cannot read: ENOENT" (saved runs, configs, proposals, inventories).
      .replace(/^(.*?): cannot read( the inventory)?: (E[A-Z]+)$/s, (all, file: string, what: string | undefined, code: string) => {
        const words = errnoWords(code);
        return words === undefined ? all : `cannot read${what ?? ''} ${file}: ${words}`;
      })
      // Node's own: "ENOENT: no such file or directory, open '/x'".
      .replace(/\b(E[A-Z]{2,}): [^,]*, (\w+) '([^']*)'(?: -> '[^']*')?/g, (all, code: string, syscall: string, path: string, offset: number, whole: string) => {
        const words = errnoWords(code);
        if (words === undefined) return all;
        // "cannot create the output folder out: EEXIST: ..., mkdir 'out'" names the path already.
        return whole.slice(0, offset).endsWith(`${path}: `) ? words : `cannot ${SYSCALL_VERBS[syscall] ?? syscall} ${path}: ${words}`;
      })
      // A bare code left in a message: "(ENOENT)", ": EACCES".
      .replace(/\((E[A-Z]{2,})\)|(: )(E[A-Z]{2,})\b/g, (all, inParens: string | undefined, colon: string | undefined, afterColon: string | undefined) => {
        const code = inParens ?? afterColon ?? '';
        const words = errnoWords(code);
        if (words === undefined) return all;
        return inParens === undefined ? `${colon ?? ''}${words}` : `(${words})`;
      })
  );
}

/** A system error (fs, net) that reached the top: its code and path, in words. */
export function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}
