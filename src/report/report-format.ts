// What a report format is: the shape every entry of the registry in formats.ts has.
import type { RankedHost, RankedRun } from '../run/rank.js';
import type { ReportView } from './view-model.js';

export interface ReportFormat {
  /** The name `--format` takes, e.g. 'html'. */
  readonly id: string;
  /** Other names `--format` accepts for it. */
  readonly aliases?: readonly string[];
  /** The file it is written to inside the output folder. */
  readonly fileName: string;
  /**
   * The whole text, or its chunks in order (written as they come, for formats that grow with the
   * fleet), as text or UTF-8 bytes.
   */
  render(ranked: RankedRun, view: ReportView, ready?: ReadyParts): string | Iterable<string | Uint8Array>;
}

/** Parts of the reports made while the run went on, which a format takes instead of making them again. */
export interface ReadyParts {
  /** A host's object in report.json without its rank (saved-run.ts, encodeSavedHost), where it was encoded when the host finished. */
  savedHost?: (host: RankedHost) => string | Uint8Array | undefined;
}
