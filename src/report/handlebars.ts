// The one module that knows Handlebars: its own instance, the helpers, and the templates
// from templates/, each compiled once on first use.
import Handlebars from 'handlebars';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';

export type TemplateName = 'report.html' | 'report.md' | 'whatif.html' | 'compare.html';

interface Engine {
  hb: typeof Handlebars;
  templates: Map<TemplateName, Handlebars.TemplateDelegate>;
}

let engine: Engine | undefined;

function loadEngine(): Engine {
  if (engine) return engine;
  const hb = Handlebars.create();
  hb.registerHelper('join', (items: unknown, sep: unknown) => (Array.isArray(items) ? items.map(String).join(typeof sep === 'string' ? sep : ', ') : ''));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  const dir = join(packageRoot(), 'templates');
  const partialsDir = join(dir, 'partials');
  for (const file of readdirSync(partialsDir).sort()) {
    if (file.endsWith('.hbs')) hb.registerPartial(file.slice(0, -'.hbs'.length), readFileSync(join(partialsDir, file), 'utf8'));
  }
  const templates = new Map<TemplateName, Handlebars.TemplateDelegate>();
  // Strict: a field the view does not have is a bug to surface, not an empty cell.
  for (const name of ['report.html', 'whatif.html', 'compare.html'] as const) {
    templates.set(name, hb.compile(readFileSync(join(dir, `${name}.hbs`), 'utf8'), { strict: true }));
  }
  // Markdown is escaped for Markdown before it reaches the template (see markdown.ts).
  templates.set('report.md', hb.compile(readFileSync(join(dir, 'report.md.hbs'), 'utf8'), { strict: true, noEscape: true }));
  return (engine = { hb, templates });
}

export function renderTemplate(name: TemplateName, context: object): string {
  const template = loadEngine().templates.get(name);
  if (!template) throw new Error(`sockaudit: no template ${name}`);
  return template(context);
}
