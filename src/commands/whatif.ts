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
import { reportHref, type PageFormat } from './compare.js';
import { writeOutputs } from './outputs.js';
import type { Io } from './io.js';
import { appendAll } from '../arrays.js';

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
    appendAll(errors, r.errors);
    appendAll(warnings, r.warnings);
    appendAll(flags, r.flags);
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
