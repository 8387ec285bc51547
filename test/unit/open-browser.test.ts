import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { argumentsFor, chooseBrowser, openInBrowser, parseBrowserVariable } from '../../scripts/open-browser';

const URL_WITH_EVERYTHING = 'http://127.0.0.1:41234/?tkn=abc&folder=%2Ftmp%2Fws&payload=%5B%22%s%22%5D';

describe('npm start: BROWSER', () => {
  describe('choosing', () => {
    it('opens nothing for an empty BROWSER, none or false, in any case', () => {
      for (const value of ['', 'none', 'NONE', ' false ']) {
        assert.equal(chooseBrowser({ BROWSER: value, DISPLAY: ':0' }, 'linux', () => true).kind, 'none', value);
      }
    });

    it('reads commands separated by colons, with their arguments', () => {
      assert.deepEqual(parseBrowserVariable('/nonexistent/browser: firefox --new-window %s ::sensible-browser'), [
        { program: '/nonexistent/browser', args: [] },
        { program: 'firefox', args: ['--new-window', '%s'] },
        { program: 'sensible-browser', args: [] },
      ]);
      assert.deepEqual(chooseBrowser({ BROWSER: 'chromium --incognito' }, 'linux', () => false), {
        kind: 'commands',
        commands: [{ program: 'chromium', args: ['--incognito'] }],
        source: 'BROWSER',
      });
      assert.equal(chooseBrowser({ BROWSER: ' : ' }, 'linux', () => true).kind, 'none');
    });

    it('puts the address in place of %s, once, or after the arguments', () => {
      assert.deepEqual(argumentsFor({ program: 'b', args: ['--app=%s', '-x'] }, URL_WITH_EVERYTHING), [`--app=${URL_WITH_EVERYTHING}`, '-x']);
      assert.deepEqual(argumentsFor({ program: 'b', args: ['-x'] }, URL_WITH_EVERYTHING), ['-x', URL_WITH_EVERYTHING]);
    });

    it('without BROWSER uses xdg-open only with a display and when it is installed', () => {
      assert.deepEqual(chooseBrowser({ DISPLAY: ':0' }, 'linux', (program) => program === 'xdg-open'), {
        kind: 'commands',
        commands: [{ program: 'xdg-open', args: [] }],
        source: 'default',
      });
      assert.match(JSON.stringify(chooseBrowser({}, 'linux', () => true)), /no display/);
      assert.match(JSON.stringify(chooseBrowser({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux', () => false)), /xdg-open is not installed/);
      assert.equal(chooseBrowser({}, 'darwin', (program) => program === 'open').kind, 'commands');
    });
  });

  describe('opening (real processes)', () => {
    let scratch: string;
    beforeEach(() => {
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'open-browser-test-'));
    });
    afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

    /** Runs openInBrowser and resolves with what it said, once it has said `until`. */
    function open(browser: string, until: RegExp): Promise<string[]> {
      return new Promise((resolve) => {
        const said: string[] = [];
        openInBrowser(URL_WITH_EVERYTHING, chooseBrowser({ BROWSER: browser }), (line) => {
          said.push(line);
          if (until.test(line)) {
            resolve(said);
          }
        });
      });
    }

    it('says to open the address by hand when BROWSER=none', async () => {
      assert.deepEqual(await open('none', /./), ['not opening a browser: BROWSER=none. Open the address above yourself.']);
    });

    it('falls through a command that does not exist to the next, which gets the address intact as one argument', async () => {
      const script = path.join(scratch, 'browser.sh');
      const opened = path.join(scratch, 'opened');
      fs.writeFileSync(script, `printf '%s' "$1" > ${opened}.tmp && mv ${opened}.tmp ${opened}\n`);
      const said = await open(`/nonexistent/browser:/bin/sh ${script} %s`, /opening/);
      assert.deepEqual(said, [`opening the address with BROWSER command "/bin/sh ${script} %s"`]);
      const deadline = Date.now() + 10_000;
      while (!fs.existsSync(opened)) {
        assert.ok(Date.now() < deadline, 'the browser command never wrote what it got');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(fs.readFileSync(opened, 'utf8'), URL_WITH_EVERYTHING);
    });

    it('names every command that failed, not found or exiting non-zero, and says to open the address by hand', async () => {
      const said = await open('/bin/false:/nonexistent/browser', /could not open/);
      assert.equal(
        said.at(-1),
        'could not open a browser (BROWSER command "/bin/false" exited with code 1; BROWSER command "/nonexistent/browser" could not start (ENOENT)). Open the address above yourself.',
      );
    });

    it('a command that is not executable is a failure like any other (EACCES)', async () => {
      const said = await open(scratch, /could not open/);
      assert.match(said.at(-1) ?? '', /could not start \(EACCES\)\)\. Open the address above yourself\.$/);
    });
  });
});
