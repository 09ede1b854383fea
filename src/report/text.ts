// Host strings are data: this makes them safe to show anywhere text is interpreted.

// ESC sequences (CSI with parameters, OSC/DCS/APC/PM/SOS strings up to BEL or ST, and
// two-character escapes), then single C0, DEL and C1 controls, and the bidirectional
// overrides that can reorder what a reader sees.
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]?|[\]PX^_][^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|[ -/]*[0-~]?)/g;
const C1_STRING = /[\u0090\u0098\u009d\u009e\u009f][^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u009b[0-?]*[ -/]*[@-~]?/g;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** A host string made safe to print: escape sequences and C0/C1 controls removed; tabs and newlines become spaces. */
export function sanitizeForTerminal(s: string): string {
  return s.replace(ESCAPE_SEQUENCE, '').replace(C1_STRING, '').replace(/[\t\n]/g, ' ').replace(CONTROL, '');
}
