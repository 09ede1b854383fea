// The floor under `report --from`: a saved run's hosts read and written again with none of
// sockaudit's own work. The hosts are split out of report.json by the reader report --from uses
// (run/json-split.ts: each host line parsed by JSON.parse as it streams past) and written back by
// JSON.stringify to a file: no validation, no parsing of the raw probe output, no evaluation,
// ranking or report. `bench/report-from.ts --floor` runs it on the same file after the CLI and
// prints the CLI's time as a multiple of it.
//
//   node dist/bench/json-floor.js SAVED.json OUT.json
import { closeSync, openSync, writeSync } from 'node:fs';
import { parseTopLevelArray } from '../src/run/json-split.js';

const [saved, out] = process.argv.slice(2);
if (saved === undefined || out === undefined) throw new Error('usage: json-floor.js SAVED.json OUT.json');

const fd = openSync(out, 'w');
let position = 0;
const { elements } = await parseTopLevelArray(saved, 'hosts', (host) => {
  position += writeSync(fd, `${JSON.stringify(host)}\n`, position, 'utf8');
});
closeSync(fd);
console.log(`${elements} hosts parsed and written again`);
