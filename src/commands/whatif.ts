// `sockaudit whatif --from report.json (--sysctl-file FILE | --set key=value ...)`: proposed sysctl
// values applied to each host's saved snapshot, evaluated again, with the harm a fixed value does.
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { assembleWhatIf, parseProposalFile, parseSetItems } from '../evaluate/whatif.js';
import type { GroupProposal, Proposal, ProposedSetting, WhatIfFlag, WhatIfHostInput, WhatIfOutcome } from '../evaluate/whatif.js';
import { readSavedRun } from '../run/saved-run.js';
import { buildWhatIfView } from '../report/whatif-view.js';
import type { WhatIfMeta, WhatIfView } from '../report/whatif-view.js';
import { renderWhatIfHtml, renderWhatIfJson, renderWhatIfMarkdown, renderWhatIfSummary } from '../report/whatif-render.js';
import { sanitizeForTerminal } from '../text.js';
import { EXIT, InputError, UsageError } from '../errors.js';
import { loadEvalConfig } from './config-file.js';
import { parsePageFormats, reportHref, type PageFormat } from './compare.js';
import { writeOutputs } from './outputs.js';
import type { Io } from './io.js';
import { SAVED_RUN_PAGE_ARGS, usageErrors } from './args.js';

export const WHATIF_HELP = `usage: sockaudit whatif --from report.json (--sysctl-file FILE | --set KEY=VALUE ...) [options]

Applies proposed sysctl values to each host's saved snapshot, evaluates every host again with
the audit's rules, and reports per host the level and score before and after, the figures that
moved, and what one fixed value does to a mixed fleet (tcp_mem above a host's RAM,
tcp_max_orphans below 4 x the orphans seen, values that do not increase, keys that cannot be
set in a container's network namespace).

the proposal (sysctl.conf syntax: "key = value", # and ; comments, "-key" ignores errors,
net/ipv4/tcp_mem slash form):
  --sysctl-file FILE        a sysctl.conf fragment for every host
  --set KEY=VALUE           one value for every host (repeatable; not with --sysctl-file)
  --set-for GROUP KEY=VALUE a value for the hosts of one inventory group (repeatable); a host
                            in several such groups takes the one given last

  --from FILE               a report.json written by sockaudit audit (required)
  --config FILE             evaluator thresholds and skips (YAML or JSON)
  -o, --out DIR             where to write whatif.html/md/json (default: the folder of --from)
  --format LIST             html,md,json (default all three)
  -q, --quiet               no summary on stdout

exit codes: 0 no harm found; 1 a host's verdict gets worse and reaches warning or critical, or
a warning flag is raised; 2 usage error, unreadable saved run, or an error in the proposal (unknown or
misspelt key, not a number, wrong count: named by file and line).`;

export interface WhatIfOptions {
  from: string;
  sysctlFile?: string;
  /** `--set` items, `key=value`. */
  set: string[];
  /** `--set-for GROUP key=value`, in the order given. */
  setFor: { group: string; item: string }[];
  configFile?: string;
  outDir: string;
  formats: PageFormat[];
  quiet: boolean;
}

export interface WhatIfCommandResult {
  outcome: WhatIfOutcome;
  view: WhatIfView;
  files: string[];
  exitCode: number;
}

/** `--set-for` takes two words, which node's parseArgs cannot: they are taken out first. */
export function parseWhatIfArgs(args: string[]): WhatIfOptions | 'help' {
  const rest: string[] = [];
  const setFor: WhatIfOptions['setFor'] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (a !== '--set-for') {
      rest.push(a);
      continue;
    }
    const group = args[i + 1];
    const item = args[i + 2];
    if (group === undefined || item === undefined || group.startsWith('-') || item.startsWith('--')) {
      throw new UsageError('--set-for takes a group and a key=value: --set-for GROUP KEY=VALUE');
    }
    setFor.push({ group, item });
    i += 2;
  }
  const { values: v } = usageErrors(() =>
    parseArgs({
      args: rest,
      allowPositionals: false,
      strict: true,
      options: {
        ...SAVED_RUN_PAGE_ARGS,
        'sysctl-file': { type: 'string' },
        set: { type: 'string', multiple: true },
      },
    }),
  );
  if (v.help) return 'help';
  if (v.from === undefined) throw new UsageError('whatif: --from report.json is required');
  const set = v.set ?? [];
  if (v['sysctl-file'] !== undefined && set.length > 0) throw new UsageError('--sysctl-file and --set exclude each other: put every value in one of them');
  if (v['sysctl-file'] === undefined && set.length === 0 && setFor.length === 0) {
    throw new UsageError('whatif: give the proposal with --sysctl-file FILE, --set KEY=VALUE or --set-for GROUP KEY=VALUE');
  }
  return {
    from: v.from,
    ...(v['sysctl-file'] === undefined ? {} : { sysctlFile: v['sysctl-file'] }),
    set,
    setFor,
    ...(v.config === undefined ? {} : { configFile: v.config }),
    outDir: v.out ?? dirname(v.from),
    formats: parsePageFormats(v.format ?? 'html,md,json'),
    quiet: v.quiet ?? false,
  };
}

export async function whatif(opts: WhatIfOptions, io: Io): Promise<WhatIfCommandResult> {
  const config = await loadEvalConfig(opts.configFile, io);
  // The proposal first: its errors need no saved run to be found.
  const { proposal, warnings, sources } = await readProposal(opts);
  const saved = await readSavedRun(opts.from, { config });
  const allWarnings = [...saved.warnings, ...warnings];
  for (const w of allWarnings) io.warn(w);

  const hosts: WhatIfHostInput[] = [];
  const notAudited: WhatIfMeta['notAudited'] = [];
  for (const h of saved.run.hosts) {
    const o = h.outcome;
    if (o.status === 'failed') notAudited.push({ name: o.target.name, reason: `${o.stage}: ${o.message}` });
    else hosts.push({ name: o.target.name, groups: o.target.groups, snapshot: o.snapshot });
  }
  const outcome = assembleWhatIf(hosts, proposal, config);
  const meta: WhatIfMeta = {
    tool: saved.run.tool,
    from: opts.from,
    auditedAt: saved.run.startedAt,
    sources,
    reportHref: reportHref(opts.outDir, opts.from),
    warnings: allWarnings,
    notAudited,
  };
  const view = buildWhatIfView(outcome, proposal.settings, proposal.groups, meta);
  const files = await writeOutputs(opts.outDir, 'whatif', opts.formats, {
    html: () => renderWhatIfHtml(view),
    md: () => renderWhatIfMarkdown(view),
    json: () => renderWhatIfJson(outcome, proposal, meta, view),
  });
  if (!opts.quiet) {
    io.stdout.write(renderWhatIfSummary(view, { color: io.color }));
    for (const f of files) io.stdout.write(`wrote ${sanitizeForTerminal(f)}\n`);
  }
  return { outcome, view, files, exitCode: view.harmful ? EXIT.findings : EXIT.ok };
}

/** Reads and checks the proposal; every error at once (exit 2), each naming its file and line. */
export async function readProposal(opts: Pick<WhatIfOptions, 'sysctlFile' | 'set' | 'setFor'>): Promise<{ proposal: Proposal; warnings: string[]; sources: string[] }> {
  const errors: InputError[] = [];
  const warnings: string[] = [];
  const flags: WhatIfFlag[] = [];
  const sources: string[] = [];
  let settings: ProposedSetting[] = [];
  const take = (r: { value: ProposedSetting[]; warnings: string[]; errors: InputError[]; flags: WhatIfFlag[] }): ProposedSetting[] => {
    errors.push(...r.errors);
    warnings.push(...r.warnings);
    flags.push(...r.flags);
    return r.value;
  };
  if (opts.sysctlFile !== undefined) {
    let text: string;
    try {
      text = await readFile(opts.sysctlFile, 'utf8');
    } catch (e) {
      throw new InputError(opts.sysctlFile, undefined, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    settings = take(parseProposalFile(text, opts.sysctlFile));
    sources.push(opts.sysctlFile);
  }
  if (opts.set.length > 0) {
    settings = take(parseSetItems(opts.set, '--set'));
    sources.push(`--set (${opts.set.length})`);
  }
  const groups: GroupProposal[] = opts.setFor.map(({ group, item }, i) => ({
    group,
    // Each --set-for is its own entry, in order, so "the last given wins" holds across groups.
    settings: take(parseSetItems([item], `--set-for ${group}`, i + 1)),
  }));
  for (const g of [...new Set(opts.setFor.map((s) => s.group))]) sources.push(`--set-for ${g}`);
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} errors in the proposal`);
  return { proposal: { settings, groups, flags }, warnings, sources };
}
