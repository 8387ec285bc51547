import type { ImportEnvironment } from '../../src/connections-import/types';

/** A machine made of in-memory files: paths to contents, and modes where they matter. */
export function fakeHome(files: Record<string, string>, env: Record<string, string> = {}, modes: Record<string, number> = {}): ImportEnvironment {
  return {
    home: '/home/u',
    env,
    osUser: 'u',
    readFile: (path) => files[path],
    fileMode: (path) => modes[path] ?? (files[path] !== undefined ? 0o100600 : undefined),
  };
}

export const noKeyFiles = (path: string): string => {
  if (path === '/home/u/.ssh/rsa_key.p8') return '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n';
  throw new Error(`ENOENT: no such file ${path}`);
};
