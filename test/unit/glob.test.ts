import t from 'tap';
import { globMatch } from '../../storage/glob';

t.test('glob patterns as Redis matches them', async (t) => {
  const cases: Array<[string, string, boolean]> = [
    ['*', 'anything', true],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h*llo', 'heeeello', true],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hallo', true],
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hello', false],
    ['*a*a*a*a*a*a*a*b', 'a'.repeat(40), false],
    ['\xff*', '\xff\x00bin', true],
    ['', '', true],
    ['a', '', false],
  ];
  for (const [pattern, subject, expected] of cases) {
    t.equal(globMatch(pattern, subject), expected, `${JSON.stringify(pattern)} ~ ${JSON.stringify(subject)}`);
  }
  t.equal(globMatch('PORT', 'port', true), true, 'case-insensitive mode');
});
