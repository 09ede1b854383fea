// procfs as a library: the parsers (text in, typed value out), the probe frame, and the assembler.
export type * from './types.js';
export * from './sections.js';
export { parseProbeFrame, formatProbeFrame, probeOutputBoundary, type ProbeFrameResult, type FrameLimits } from './frame.js';
export { assembleSnapshot, type AssembledSnapshot } from './snapshot.js';
export { parseSockstat, parseSockstat6 } from './net-sockstat.js';
export { parseCounterTable } from './net-netstat.js';
export { parseMeminfo } from './meminfo.js';
export { parseUptime } from './uptime.js';
export { parseLoadavg } from './loadavg.js';
export { parseSysctl } from './sysctl.js';
export { parseKernelLog, classifyKernelLogLine } from './kernel-log.js';
export { parseSingleLine, parsePositiveInteger, parseNetns, type Netns } from './command-facts.js';
export { parseInteger } from './int.js';
export type { ParseResult } from './parse-result.js';
