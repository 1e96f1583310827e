import { parseConfigText } from './src/conf/load';
import { printPolicy, printUser } from './src/conf/printer';
import { readFileSync } from 'node:fs';
const f = process.argv[2];
const r = parseConfigText(readFileSync(f, 'utf8'), f, { checkPermissions: false });
console.log(JSON.stringify(r.errors), JSON.stringify(r.warnings));
if (r.config) { for (const u of r.config.users) console.log(printUser(u)); for (const p of r.config.policies) console.log(printPolicy(p)); console.log(JSON.stringify(r.config.options)); }
