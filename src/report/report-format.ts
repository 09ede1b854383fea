// What a report format is: the shape every entry of the registry in formats.ts has.
import type { RankedRun } from '../run/rank.js';
import type { ReportView } from './view-model.js';

export interface ReportFormat {
  /** The name `--format` takes, e.g. 'html'. */
  readonly id: string;
  /** Other names `--format` accepts for it. */
  readonly aliases?: readonly string[];
  /** The file it is written to inside the output folder. */
  readonly fileName: string;
  /** The whole text, or its chunks in order (written as they come, for formats that grow with the fleet). */
  render(ranked: RankedRun, view: ReportView): string | Iterable<string>;
}
