// The floor under `report --from`: a saved run's hosts read and written again with none of
// sockaudit's own work. Each host line of report.json is parsed by JSON.parse and written back by
// JSON.stringify to a file: no validation, no parsing of the raw probe output, no evaluation,
// ranking or report. `bench/report-from.ts --floor` runs it on the same file after the CLI and
// prints the CLI's time as a multiple of it.
//
//   node dist/bench/json-floor.js SAVED.json OUT.json
import { createReadStream, closeSync, openSync, writeSync } from 'node:fs';

const [saved, out] = process.argv.slice(2);
if (saved === undefined || out === undefined) throw new Error('usage: json-floor.js SAVED.json OUT.json');

const LF = 0x0a;
const fd = openSync(out, 'w');
let position = 0;
let hosts = 0;
let rest: Buffer = Buffer.alloc(0);
for await (const chunk of createReadStream(saved, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
  const data = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
  let from = 0;
  for (let lf = data.indexOf(LF, from); lf !== -1; lf = data.indexOf(LF, from)) {
    // sockaudit writes each host as one line: four spaces, the object, a comma unless it is the last.
    if (data.toString('latin1', from, from + 5) === '    {') {
      const to = data[lf - 1] === 0x2c ? lf - 1 : lf;
      const host: unknown = JSON.parse(data.toString('utf8', from + 4, to));
      position += writeSync(fd, `${JSON.stringify(host)}\n`, position, 'utf8');
      hosts++;
    }
    from = lf + 1;
  }
  rest = Buffer.from(data.subarray(from));
}
closeSync(fd);
console.log(`${hosts} hosts parsed and written again`);
