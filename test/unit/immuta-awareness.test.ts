import { strict as assert } from 'node:assert';
import { ImmutaAwareness, type AwarenessLookups } from '../../src/immuta/awareness';
import { ImmutaApiError } from '../../src/immuta/errors';
import type { ImmutaProject, ImmutaUser, UserSearchResult } from '../../src/immuta/types';

/** A scripted Immuta: users and projects in memory, every call counted, answers held on demand. */
class FakeImmuta implements AwarenessLookups {
  readonly calls: string[] = [];
  users = new Map<string, ImmutaUser>();
  projects = new Map<number, ImmutaProject>();
  failWith: Error | undefined;
  private held: Array<() => void> | undefined;

  constructor(private readonly owner: string) {}

  hold(): void {
    this.held = [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = undefined;
    for (const go of waiting) go();
  }

  private async answer<T>(call: string, value: () => T): Promise<T> {
    this.calls.push(call);
    if (this.held) await new Promise<void>((resolve) => this.held?.push(resolve));
    if (this.failWith) throw this.failWith;
    return value();
  }

  me(): Promise<ImmutaUser> {
    return this.answer('me', () => this.users.get(this.owner) as ImmutaUser);
  }

  findUser(userid: string): Promise<ImmutaUser | undefined> {
    return this.answer(`findUser ${userid}`, () => this.users.get(userid));
  }

  project(id: number): Promise<ImmutaProject | undefined> {
    return this.answer(`project ${id}`, () => this.projects.get(id));
  }

  searchUsers(text: string): Promise<UserSearchResult> {
    return this.answer(`search ${text}`, () => {
      const users = [...this.users.values()].filter((user) => user.userid.includes(text));
      return { count: users.length, users };
    });
  }
}

function user(userid: string, projectId: number | null | undefined, permissions: string[] = []): ImmutaUser {
  return { userid, iamid: 'bim', permissions, projectId };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Immuta awareness (what the status bar and picker know, without waiting)', () => {
  let now: number;
  let immuta: FakeImmuta;
  let awareness: ImmutaAwareness;
  let changes: number;

  beforeEach(() => {
    now = 1_000_000;
    immuta = new FakeImmuta('governor@example.com');
    immuta.users.set('governor@example.com', user('governor@example.com', null, ['IMPERSONATE_USER']));
    immuta.users.set('analyst@example.com', user('analyst@example.com', null));
    immuta.users.set('bob@example.com', user('bob@example.com', 1));
    immuta.projects.set(1, { id: 1, name: 'Fraud Analytics' });
    awareness = new ImmutaAwareness({ now: () => now, ttlMs: 30_000, retryMs: 5_000 });
    awareness.configure(immuta);
    changes = 0;
    awareness.onDidChange(() => changes++);
  });

  it('says "off" or "no-key" without asking anyone when Immuta is not configured', async () => {
    const off = new ImmutaAwareness();
    assert.deepEqual(off.permission(), { kind: 'off' });
    assert.deepEqual(off.project('bob@example.com'), { kind: 'off' });
    assert.deepEqual(await off.search('bo'), { kind: 'off' });
    off.configure(undefined, { kind: 'no-key' });
    assert.deepEqual(off.project('bob@example.com'), { kind: 'no-key' });
  });

  it('answers "checking" at once, then learns the project in the background and fires a change', async () => {
    assert.deepEqual(awareness.project('bob@example.com'), { kind: 'checking' });
    await settle();
    assert.ok(changes >= 1, 'a change was fired when the answer landed');
    assert.deepEqual(awareness.project('bob@example.com'), { kind: 'project', id: 1, name: 'Fraud Analytics', checkedAt: now });
    assert.deepEqual(immuta.calls, ['findUser bob@example.com', 'project 1']);
  });

  it('keeps a fact for the TTL, then asks again (users switch projects)', async () => {
    awareness.project('bob@example.com');
    await settle();
    now += 29_000;
    awareness.project('bob@example.com');
    await settle();
    assert.equal(immuta.calls.filter((call) => call.startsWith('findUser')).length, 1, 'fresh facts are not asked again');
    immuta.users.set('bob@example.com', user('bob@example.com', null));
    now += 2_000;
    assert.equal(awareness.project('bob@example.com').kind, 'project', 'the stale fact is shown while the re-check runs');
    await settle();
    assert.equal(awareness.project('bob@example.com').kind, 'none');
  });

  it('re-checks afresh on demand (maxAge 0) and shares one request between concurrent askers', async () => {
    awareness.project('bob@example.com');
    await settle();
    immuta.hold();
    const first = awareness.checkProject('bob@example.com', 0);
    const second = awareness.checkProject('bob@example.com', 0);
    immuta.release();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a, b);
    assert.equal(immuta.calls.filter((call) => call === 'findUser bob@example.com').length, 2, 'one initial lookup and one shared re-check');
  });

  it('checks IMPERSONATE_USER for the API key owner, or for the profile\'s immutaUser', async () => {
    assert.deepEqual(await awareness.checkPermission(), { kind: 'held', user: 'governor@example.com' });
    assert.deepEqual(await awareness.checkPermission('analyst@example.com'), { kind: 'missing', user: 'analyst@example.com' });
    const nobody = await awareness.checkPermission('nobody@example.com');
    assert.equal(nobody.kind, 'error');
    assert.match(nobody.kind === 'error' ? nobody.message : '', /Immuta has no user named "nobody@example\.com"/);
  });

  it('turns failures into facts with the client\'s message, and retries them sooner than the TTL', async () => {
    immuta.failWith = new ImmutaApiError('timeout', 'Immuta at https://immuta.test did not answer within 10 s (find a user).', { operation: 'find a user' });
    awareness.project('bob@example.com');
    await settle();
    assert.deepEqual(awareness.project('bob@example.com'), { kind: 'error', message: 'Immuta at https://immuta.test did not answer within 10 s (find a user).' });
    immuta.failWith = undefined;
    now += 4_000;
    awareness.project('bob@example.com');
    await settle();
    assert.equal(awareness.project('bob@example.com').kind, 'error', 'not retried within 5 s');
    now += 2_000;
    awareness.project('bob@example.com');
    await settle();
    assert.equal(awareness.project('bob@example.com').kind, 'project', 'retried after 5 s');
  });

  it('never says "none" when the answer did not report a project', async () => {
    immuta.users.set('carol@example.com', user('carol@example.com', undefined));
    const fact = await awareness.checkProject('carol@example.com');
    assert.equal(fact.kind, 'error');
  });

  it('drops answers that arrive after a reconfiguration (a new URL or key)', async () => {
    immuta.hold();
    awareness.project('bob@example.com');
    awareness.configure(undefined, { kind: 'no-key' });
    immuta.release();
    await settle();
    assert.deepEqual(awareness.project('bob@example.com'), { kind: 'no-key' });
  });

  it('searches with project names, looking each project up once, and feeds what it learnt to the status bar', async () => {
    immuta.users.set('bobby@example.com', user('bobby@example.com', 1));
    const outcome = await awareness.search('bob');
    assert.equal(outcome.kind, 'found');
    const users = outcome.kind === 'found' ? outcome.users : [];
    assert.deepEqual(
      users.map((found) => [found.userid, found.project]),
      [
        ['bob@example.com', 'Fraud Analytics'],
        ['bobby@example.com', 'Fraud Analytics'],
      ],
    );
    assert.equal(immuta.calls.filter((call) => call === 'project 1').length, 1);
    assert.equal(awareness.project('bob@example.com').kind, 'project');
    assert.ok(!immuta.calls.includes('findUser bob@example.com'), 'the search answer was used');
  });

  it('reports a failed search as a message, so the picker can still take a typed name', async () => {
    immuta.failWith = new ImmutaApiError('server', 'Immuta failed to search users (HTTP 500): An internal server error occurred.', { operation: 'search users', status: 500 });
    assert.deepEqual(await awareness.search('bo'), { kind: 'error', message: 'Immuta failed to search users (HTTP 500): An internal server error occurred.' });
  });
});
