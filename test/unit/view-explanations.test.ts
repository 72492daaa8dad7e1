/**
 * The live view's timeline explanations (server/testing/view/event-explanations.ts): the
 * compiler already demands one per event type; this checks what it cannot, that each links to
 * a file that exists, that the view will serve it, and that really produces the event (it holds
 * the type's string, `'node-failed'`, as the code that emits it writes it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { ControlVerbs } from '../../server/testing/control/control-verbs';
import { EXPLANATIONS } from '../../server/testing/view/event-explanations';
import { SOURCE_NAME } from '../../server/testing/view/view-server';
import { REPO_ROOT } from '../helpers/cluster-process';

t.test('every event type, and the page\'s own row, is explained', async (t) => {
  t.same(Object.keys(EXPLANATIONS).sort(), [...ControlVerbs.eventTypes(), 'client-redirects'].sort());
});

t.test('each explanation links a file that exists, is served, and produces the event', async (t) => {
  for (const [type, { text, source }] of Object.entries(EXPLANATIONS)) {
    t.ok(text.length > 20 && !/cluster state machine reports/.test(text), `${type}: a real explanation`);
    t.match(source, SOURCE_NAME, `${type}: ${source} is a name the view serves`);
    const file = path.join(REPO_ROOT, source);
    const code = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    t.ok(code.includes(`'${type}'`), `${type}: ${source} exists and contains '${type}'`);
  }
});
